// Read-only GETs against the API server. Authentication, TLS and exec plugins come from
// @kubernetes/client-node's KubeConfig; the requests are plain GETs so that each one can be
// timed, counted and sized (--verbose), and so that errors map to one clear line.
import http from 'node:http';
import https from 'node:https';
import { InputError } from '../errors.js';
import type { LoadedKubeConfig } from './kubeconfig.js';

/** A non-2xx answer from the API server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  timeoutMs: number;
  log?: (line: string) => void;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

export class ApiClient {
  requests = 0;
  bytes = 0;
  private init?: Promise<https.RequestOptions>;

  constructor(
    private readonly config: LoadedKubeConfig,
    private readonly options: ApiOptions,
  ) {}

  private async requestInit() {
    // TLS material, tokens and exec-plugin credentials, as client-node applies them.
    this.init ??= (async () => {
      const opts: https.RequestOptions = {};
      await this.config.kc.applyToHTTPSOptions(opts);
      return opts;
    })();
    try {
      return await this.init;
    } catch (err) {
      // Exec credential plugins and bad client certificates fail here.
      throw new InputError(
        `cannot get credentials for context ${this.config.context}: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }

  async get(path: string, query: Record<string, string | number | undefined> = {}): Promise<any> {
    const base = await this.requestInit();
    const qs = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const url = new URL(`${this.config.server.replace(/\/$/, '')}${path}${qs ? `?${qs}` : ''}`);
    const started = performance.now();
    const lib = url.protocol === 'http:' ? http : https;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = lib.request(
        url,
        {
          ...base,
          method: 'GET',
          headers: { ...(base.headers ?? {}), Accept: 'application/json' },
          timeout: this.options.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_REQUEST' })));
      req.on('error', reject);
      req.end();
    }).catch((err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ETIMEDOUT_REQUEST')
        throw new InputError(`request timed out after ${this.options.timeoutMs / 1000} s: GET ${url.pathname}`);
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
    try {
      return JSON.parse(body);
    } catch {
      throw new InputError(`the API server answered GET ${url.pathname} with something that is not JSON`);
    }
  }

  /** A list, all pages. Items get their kind and apiVersion back (lists omit them). */
  async list(
    path: string,
    kind: string,
    apiVersion: string,
    query: Record<string, string | undefined> = {},
  ): Promise<any[]> {
    const items: any[] = [];
    let cont: string | undefined;
    do {
      const page = await this.get(path, { ...query, limit: 500, continue: cont });
      for (const item of page.items ?? []) items.push({ apiVersion, kind, ...item });
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }
}
