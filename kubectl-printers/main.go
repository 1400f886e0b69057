//go:build js && wasm

// The output templates of kubectl v1.32 (-o jsonpath, jsonpath-as-json, go-template), compiled to
// WebAssembly so that the plugin prints a template exactly as kubectl would: client-go's JSONPath,
// Go's text/template, and apimachinery's JSON decoding (whole numbers stay integers, so 1234567
// does not print as 1.234567e+06). The wrapping follows k8s.io/cli-runtime/pkg/printers
// (jsonpath.go, template.go), which cannot be built for WebAssembly itself (it imports terminal code).
//
// JavaScript calls globalThis.ambientDoctorKubectlPrint(engine, template, json, allowMissingKeys)
// and gets {output} or {error, stage} back; see src/render/templates.ts.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"syscall/js"
	"text/template"

	"k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/util/jsonpath"
)

func failure(stage string, err error) map[string]any {
	return map[string]any{"stage": stage, "error": err.Error()}
}

func print(_ js.Value, args []js.Value) (result any) {
	engine, text, document, allowMissing := args[0].String(), args[1].String(), args[2].String(), args[3].Bool()
	data := map[string]any{}
	if err := json.Unmarshal([]byte(document), &data); err != nil {
		return failure("decode", err)
	}
	var out bytes.Buffer
	switch engine {
	case "jsonpath", "jsonpath-as-json":
		path := jsonpath.New("out")
		if err := path.Parse(text); err != nil {
			return failure("parse", err)
		}
		path.AllowMissingKeys(allowMissing)
		path.EnableJSONOutput(engine == "jsonpath-as-json")
		if err := path.Execute(&out, data); err != nil {
			return failure("execute", err)
		}
	case "go-template":
		t, err := template.New("output").Funcs(template.FuncMap{"exists": exists, "base64decode": base64decode}).Parse(text)
		if err != nil {
			return failure("parse", err)
		}
		if allowMissing {
			t.Option("missingkey=default")
		} else {
			t.Option("missingkey=error")
		}
		// A template may panic (a nil map in index); kubectl reports that as an error too.
		defer func() {
			if p := recover(); p != nil {
				result = failure("execute", fmt.Errorf("caught panic: %+v", p))
			}
		}()
		if err := t.Execute(&out, data); err != nil {
			return failure("execute", err)
		}
	default:
		return failure("parse", fmt.Errorf("unknown template engine %q", engine))
	}
	return map[string]any{"output": out.String()}
}

// exists reports whether the path of keys and indices leads to a non-nil value (kubectl's template function).
func exists(item any, path ...any) bool {
	at := reflect.ValueOf(item)
	for _, step := range path {
		at = underlying(at)
		if !at.IsValid() {
			return false
		}
		key := reflect.ValueOf(step)
		switch at.Kind() {
		case reflect.Slice, reflect.Array, reflect.String:
			var i int64
			switch {
			case key.CanInt():
				i = key.Int()
			case key.CanUint():
				i = int64(key.Uint())
			default:
				return false
			}
			if i < 0 || i >= int64(at.Len()) {
				return false
			}
			at = at.Index(int(i))
		case reflect.Map:
			if !key.IsValid() {
				key = reflect.Zero(at.Type().Key())
			}
			if !key.Type().AssignableTo(at.Type().Key()) {
				return false
			}
			at = at.MapIndex(key)
		default:
			return false
		}
	}
	return underlying(at).IsValid()
}

// underlying looks through interfaces and pointers; the zero Value when it meets nil.
func underlying(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func base64decode(encoded string) (string, error) {
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", fmt.Errorf("base64 decode failed: %v", err)
	}
	return string(decoded), nil
}

func main() {
	js.Global().Set("ambientDoctorKubectlPrint", js.FuncOf(print))
	select {}
}
