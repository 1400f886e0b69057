// -o json and -o yaml: the same content, a stable contract (README "JSON contract").
// Control characters in values are escaped (JSON.stringify and the yaml library leave C1 and bidi raw).
import { escapeControlsInQuotes } from '../text/controls.js';
import { yamlText } from '../text/yaml-text.js';

export function renderJson(report: unknown): string {
  return `${escapeControlsInQuotes(JSON.stringify(report, null, 2))}\n`;
}

export function renderYaml(report: unknown): string {
  return yamlText(report, { lineWidth: 0 });
}

/** Writes in chunks and waits when the pipe is full, so a slow reader does not make output pile up in memory. */
export class ChunkedWriter {
  private buffer: string[] = [];
  private size = 0;
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly chunk = 1 << 20,
  ) {}

  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= this.chunk) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
}

const indentBy = (text: string, pad: string) => text.replaceAll('\n', `\n${pad}`);

/**
 * The same text as renderJson({...header, cells}) (JSON.stringify with 2 spaces), written cell by
 * cell: the whole document never exists as one string (it passes V8's string limit near 2,000
 * workloads).
 */
export async function writeMatrixJson(
  header: Record<string, unknown>,
  cells: Iterable<unknown>,
  out: ChunkedWriter,
): Promise<void> {
  const head = JSON.stringify(header, null, 2);
  await out.write(`${head.slice(0, -2)},\n  "cells": [`);
  let first = true;
  for (const cell of cells) {
    await out.write(`${first ? '\n' : ',\n'}    ${indentBy(JSON.stringify(cell, null, 2), '    ')}`);
    first = false;
  }
  await out.write(first ? ']\n}\n' : '\n  ]\n}\n');
  await out.flush();
}

/** One cell per line (JSON Lines), for streaming consumers and `jq -c`. */
export async function writeJsonLines(items: Iterable<unknown>, out: ChunkedWriter): Promise<void> {
  for (const item of items) await out.write(`${JSON.stringify(item)}\n`);
  await out.flush();
}
