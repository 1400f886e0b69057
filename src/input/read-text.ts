// Text files and stdin as kubectl reads them: UTF-8, with a byte order mark that switches to UTF-16
// (what PowerShell's `>` writes) as kubectl's FileVisitor does (unicode.BOMOverride), and UTF-32 with
// its mark too; a file too large for one string, or one that cannot be opened, is one line in words.
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';

/** V8's longest string is about 512 MiB; a file is refused well before the read would fail. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024 - 64;

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'an input/output error',
  EAGAIN: 'the input is not ready (a non-blocking stdin)',
  ERR_STRING_TOO_LONG: `larger than the ${MAX_INPUT_BYTES >> 20} MiB a file may have`,
  ERR_FS_FILE_TOO_LARGE: `larger than the ${MAX_INPUT_BYTES >> 20} MiB a file may have`,
};

/** Why a read failed, in words. */
export function readErrorWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && ERRNO_WORDS[code]) ?? (err as Error)?.message?.split('\n')[0] ?? String(err);
}

function utf32(bytes: Buffer, littleEndian: boolean): string {
  const parts: string[] = [];
  for (let at = 4; at + 4 <= bytes.length; at += 4) {
    const code = littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    parts.push(code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd');
  }
  return parts.join('');
}

/** The text of a file's bytes: a BOM (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides the encoding, else UTF-8. */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) return utf32(bytes, true);
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) return utf32(bytes, false);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  return bytes.toString('utf8');
}

/** A file's text, or one line why not (exit 2). `fd` 0 reads stdin. */
export function readText(file: string | 0, name = file === 0 ? 'stdin' : file): string {
  try {
    if (file !== 0) {
      const size = statSync(file).size;
      if (size > MAX_INPUT_BYTES)
        throw new InputError(
          `cannot read ${name}: it is ${Math.round(size / 1024 / 1024)} MiB, larger than the ` +
            `${MAX_INPUT_BYTES >> 20} MiB a file may have (split it, or read the cluster live)`,
        );
    }
    const bytes = readFileSync(file);
    if (bytes.length > MAX_INPUT_BYTES)
      throw new InputError(`cannot read ${name}: larger than the ${MAX_INPUT_BYTES >> 20} MiB input may have`);
    return decodeText(bytes);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${name}: ${readErrorWords(err)}`);
  }
}
