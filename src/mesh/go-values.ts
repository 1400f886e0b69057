// Values istiod reads with Go's standard library, read the same way here.

const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** strconv.ParseBool: true only for these spellings; anything else is false or an error. */
export function goParseBoolTrue(value: string | undefined): boolean {
  return value !== undefined && PARSE_BOOL_TRUE.has(value);
}
