// Prints Go's time.ParseDuration of each argument in milliseconds (or "error"): the oracle for the durations
// the tool reads as kubectl does (test/kubectl-flags.test.ts).
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	for _, a := range os.Args[1:] {
		d, err := time.ParseDuration(a)
		if err != nil {
			fmt.Println("error")
			continue
		}
		fmt.Println(float64(d) / float64(time.Millisecond))
	}
}
