// Read-only GETs against the API server. Authentication, TLS and exec plugins come from
// @kubernetes/client-node's KubeConfig; the requests are plain GETs so that each one can be
// timed, counted and sized (--verbose), and so that errors map to one clear line.
import http from 'node:http';
import https from 'node:https';
import { InputError, UsageError } from '../errors.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { LoadedKubeConfig } from './kubeconfig.js';
import { VERSION } from '../version.js';

/** A non-2xx answer from the API server; uncaught, it is a read failure (exit 2) in one line. */
export class ApiError extends InputError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`GET ${path} failed: ${status}${reason ? ` ${reason}` : ''}${detail ? `: ${detail.split('\n')[0]}` : ''}`);
  }
}

export interface ApiOptions {
  /** Each request's whole duration, body included; 0: no limit (kubectl's --request-timeout 0). */
  timeoutMs: number;
  /** When the whole read must be over (ms since the epoch); undefined: no deadline. */
  deadline?: number;
  /** The largest answer one request may have, in bytes (--max-response-size); larger ones stop the read. */
  maxResponseBytes?: number;
  log?: (line: string) => void;
}

/** 128 MiB: a page of 500 objects is a few MiB; far past that, something is wrong with the answer. */
export const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

export const mebibytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

/** A read that was given up; the work it started may still be running and must not keep the process alive. */
export class DeadlineError extends InputError {}

/** `work`, or a rejection with `error()` after `ms` (no limit when ms is Infinity). */
function within<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), Math.max(0, ms));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Path segments that would walk out of the request path or change it (`..`, `?`, `%2F`). */
const UNSAFE_SEGMENT = /^\.{1,2}$|[?#%\s\\]/;

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/** Names the tool in the API server's audit log, as kubectl does (`kubectl/v1.32 …`). */
const USER_AGENT = `kubectl-ambient-doctor/${VERSION}`;

export class ApiClient {
  requests = 0;
  bytes = 0;
  private init?: Promise<https.RequestOptions>;

  constructor(
    private readonly config: LoadedKubeConfig,
    private readonly options: ApiOptions,
  ) {}

  /** How long the next step may take: the request timeout, cut short by the deadline. */
  limitMs(): number {
    const perRequest = this.options.timeoutMs > 0 ? this.options.timeoutMs : Infinity;
    const left = this.options.deadline === undefined ? Infinity : this.options.deadline - Date.now();
    return Math.min(perRequest, left);
  }

  private expired(what: string): Error {
    const byDeadline = this.options.deadline !== undefined && this.options.deadline - Date.now() <= 0;
    if (byDeadline) return new DeadlineError(`timed out: the --deadline passed while ${what}`);
    const limit = this.options.timeoutMs;
    const shown = limit < 1000 ? `${limit} ms` : `${limit / 1000} s`;
    return new DeadlineError(`${what} timed out: it took longer than --request-timeout ${shown}`);
  }

  private async requestInit() {
    // TLS material, tokens and exec-plugin credentials, as client-node applies them. An exec
    // plugin that never exits must not hang the tool: it gets the request timeout too.
    this.init ??= (async () => {
      const opts: https.RequestOptions = {};
      await this.config.kc.applyToHTTPSOptions(opts);
      return opts;
    })();
    try {
      return await within(this.init, this.limitMs(), () => this.expired('getting credentials (exec plugin)'));
    } catch (err) {
      if (err instanceof DeadlineError) throw err;
      // Exec credential plugins and bad client certificates fail here.
      throw new InputError(
        `cannot get credentials for context ${this.config.context}: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }

  /** Groups and uid to impersonate beside the user (client-node sends Impersonate-User itself). */
  private impersonationHeaders(): Record<string, string | string[]> {
    const { groups, uid } = this.config.impersonation ?? { groups: [] };
    return {
      ...(groups.length > 0 ? { 'Impersonate-Group': groups } : {}),
      ...(uid ? { 'Impersonate-Uid': uid } : {}),
    };
  }

  /**
   * The KubeConfig the client authenticates with, for port-forward's WebSocket: client-node's WebSocket takes its
   * headers from applyToHTTPSOptions, which knows the impersonated user but not the groups and uid.
   */
  get kubeConfig(): KubeConfig {
    const { kc } = this.config;
    const extra = this.impersonationHeaders();
    if (Object.keys(extra).length === 0) return kc;
    return Object.create(kc, {
      applyToHTTPSOptions: {
        value: async (opts: { headers?: Record<string, unknown> }) => {
          await kc.applyToHTTPSOptions(opts as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
          opts.headers = { ...opts.headers, ...extra };
        },
      },
    });
  }

  /**
   * A GET whose answer is text (a pod's logs); non-2xx answers throw ApiError as for JSON. Past `keepBytes`
   * the rest is not read (a log that never ends, a server that ignores limitBytes): the text ends at the
   * last whole line and `cut` says so.
   */
  async getText(
    path: string,
    query: Record<string, string | number | undefined>,
    keepBytes: number,
  ): Promise<{ text: string; cut: boolean }> {
    // The API server refuses text/plain for pods/log (406); kubectl asks for anything.
    const { body, cut } = await this.send(path, query, '*/*', keepBytes);
    return { text: cut ? body.slice(0, body.lastIndexOf('\n') + 1) : body, cut };
  }

  async get(path: string, query: Record<string, string | number | undefined> = {}): Promise<any> {
    const { body, url } = await this.send(path, query, 'application/json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new InputError(`the API server answered GET ${url.pathname} with something that is not JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InputError(`the API server answered GET ${url.pathname} with JSON that is not an object`);
    }
    return parsed;
  }

  private async send(
    path: string,
    query: Record<string, string | number | undefined>,
    accept: string,
    keepBytes?: number,
  ): Promise<{ body: string; url: URL; cut: boolean }> {
    const maxBytes = keepBytes ?? this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const bad = path.split('/').find((segment) => UNSAFE_SEGMENT.test(segment));
    if (bad !== undefined) throw new UsageError(`"${bad}" cannot be part of a Kubernetes name`);
    const base = await this.requestInit();
    const qs = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const url = new URL(`${this.config.server.replace(/\/$/, '')}${path}${qs ? `?${qs}` : ''}`);
    const started = performance.now();
    const lib = url.protocol === 'http:' ? http : https;
    const { status, body, cut } = await new Promise<{ status: number; body: string; cut: boolean }>(
      (resolve, reject) => {
        const req = lib.request(
          url,
          {
            ...base,
            method: 'GET',
            headers: {
              ...(base.headers ?? {}),
              ...this.impersonationHeaders(),
              Accept: accept,
              'User-Agent': USER_AGENT,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const done = (cut: boolean) =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), cut });
            res.on('data', (c: Buffer) => {
              const room = maxBytes - size;
              size += c.length;
              if (c.length <= room) return chunks.push(c);
              // Too large: text reads keep what fits; JSON reads stop with one line (a cut JSON is no answer).
              if (keepBytes === undefined) {
                req.destroy(Object.assign(new Error('too large'), { code: 'ETOOLARGE' }));
                return;
              }
              chunks.push(c.subarray(0, room));
              res.removeAllListeners('data');
              res.removeAllListeners('end');
              req.destroy();
              done(true);
            });
            res.on('end', () => done(false));
            res.on('error', reject);
          },
        );
        // The whole request, a body trickling in one byte at a time included, fits in the limit.
        const limit = this.limitMs();
        const timer = Number.isFinite(limit)
          ? setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_REQUEST' })), limit)
          : undefined;
        req.on('close', () => clearTimeout(timer));
        req.on('error', reject);
        req.end();
      },
    ).catch((err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ETIMEDOUT_REQUEST') throw this.expired(`GET ${url.pathname}`);
      if (code === 'ETOOLARGE')
        throw new InputError(
          `the answer to GET ${url.pathname} is larger than ${mebibytes(maxBytes)}: stopped reading it ` +
            '(--max-response-size raises the limit)',
        );
      if (TLS_CODES.test(code) || /certificate|tls|ssl/i.test(err.message)) {
        throw new InputError(`TLS failure talking to ${this.config.server}: ${err.message}`);
      }
      throw new InputError(`cannot reach the cluster at ${this.config.server}: ${code || err.message}`);
    });
    this.requests++;
    this.bytes += Buffer.byteLength(body);
    this.options.log?.(
      `GET ${url.pathname}${url.search} -> ${status} in ${(performance.now() - started).toFixed(0)} ms, ` +
        `${Buffer.byteLength(body)} bytes`,
    );
    if (status === 401)
      throw new InputError(
        `the cluster rejected the credentials of context ${this.config.context} (401 Unauthorized): they are ` +
          `missing or expired`,
      );
    if (status < 200 || status >= 300) {
      let reason = '';
      let message = body.slice(0, 300);
      try {
        const s = JSON.parse(body);
        reason = s.reason ?? '';
        message = s.message ?? message;
      } catch {
        // Not a Status object; keep the raw text.
      }
      throw new ApiError(status, reason, url.pathname, message);
    }
    return { body, url, cut };
  }

  /** A list, all pages. Items get their kind and apiVersion back (lists omit them). */
  async list(
    path: string,
    kind: string,
    apiVersion: string,
    query: Record<string, string | undefined> = {},
  ): Promise<any[]> {
    const items: any[] = [];
    const seen = new Set<string>();
    let cont: string | undefined;
    do {
      const page = await this.get(path, { ...query, limit: 500, continue: cont });
      if (page.items !== undefined && !Array.isArray(page.items)) {
        throw new InputError(`the API server answered LIST ${path} without a list of items`);
      }
      for (const item of page.items ?? []) {
        items.push(item && typeof item === 'object' ? { apiVersion, kind, ...item } : item);
      }
      cont = page.metadata?.continue || undefined;
      // A server that hands back a token it gave before would page forever.
      if (cont !== undefined && seen.has(cont)) {
        throw new InputError(`the API server repeated a continue token while listing ${path}; stopped`);
      }
      if (cont !== undefined) seen.add(cont);
    } while (cont);
    return items;
  }
}
