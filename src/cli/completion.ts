// Shell completion in cobra's protocol, which kubectl speaks to a plugin's `kubectl_complete-<plugin>`
// (k8s.io/kubectl/pkg/cmd/plugin/plugin_completion.go): the words after the plugin's name come as arguments,
// the last one being the word to complete (empty for a new word); the answer is one candidate per line, then
// `:<directive>` (cobra.ShellCompDirective: 0 default, 2 no space, 4 no file completion).
// Names come from the cluster only when one answers within a short deadline.
import { COMMANDS } from '../commands/index.js';
import { FINDINGS } from '../findings/catalogue.js';

const DEFAULT = 0;
const NO_SPACE = 2;
const NO_FILE = 4;
const NAME_DEADLINE_MS = 1500;

type CommandId = keyof typeof COMMANDS;
interface FlagSpec {
  char?: string;
  type?: string;
  options?: readonly string[];
  /** What -o offers (cli/common.ts outputFlag): formats, and template formats ending in `=`. */
  values?: readonly string[];
}

export interface Completion {
  candidates: string[];
  directive: number;
}

/** Flags whose value is a file path: the shell completes those itself. */
const FILE_FLAGS = new Set([
  'filename',
  'kubeconfig',
  'logs',
  'config-dump',
  'certificate-authority',
  'client-certificate',
  'client-key',
]);

const flagsOf = (id: CommandId) => COMMANDS[id].flags as unknown as Record<string, FlagSpec>;

function flagNamed(id: CommandId, word: string): [string, FlagSpec] | undefined {
  const flags = flagsOf(id);
  if (word.startsWith('--')) {
    const name = word.slice(2);
    return flags[name] ? [name, flags[name]] : undefined;
  }
  if (/^-\w$/.test(word)) return Object.entries(flags).find(([, f]) => f.char === word[1]);
  return undefined;
}

const takesValue = (f: FlagSpec) => f.type === 'option';

/** What the cluster can name, read with the connection flags already on the line. */
export interface NameSource {
  namespaces(): Promise<string[]>;
  pods(namespace: string | undefined): Promise<string[]>;
  services(namespace: string | undefined): Promise<string[]>;
  contexts(): string[];
}

export async function complete(
  words: string[],
  nameSource?: () => Promise<NameSource | undefined>,
): Promise<Completion> {
  const typed = words.length > 0 ? words[words.length - 1] : '';
  const before = words.slice(0, -1);
  const match = (list: string[]) => list.filter((c) => c.startsWith(typed));
  if (before.length === 0) {
    return { candidates: match([...new Set([...Object.keys(COMMANDS), 'help'])]), directive: NO_FILE };
  }
  const first = before[0];
  if (first === 'help') return { candidates: match(Object.keys(COMMANDS)), directive: NO_FILE };
  if (first === 'completion')
    return { candidates: before.length === 1 ? match(['bash', 'zsh', 'fish', 'powershell']) : [], directive: NO_FILE };
  if (!(first in COMMANDS)) return { candidates: [], directive: NO_FILE };
  const id = first as CommandId;
  const previous = before[before.length - 1];
  const pending = before.length > 1 ? flagNamed(id, previous) : undefined;
  if (pending && takesValue(pending[1])) return valueOf(pending[0], pending[1], typed, nameSource);
  if (typed.startsWith('-')) {
    const all = Object.entries(flagsOf(id)).map(([name]) => `--${name}`);
    return { candidates: match(all), directive: NO_FILE };
  }
  // Positionals: the words that are neither flags nor flag values.
  const positionals: string[] = [];
  for (let i = 1; i < before.length; i++) {
    const f = flagNamed(id, before[i]);
    if (f) {
      if (takesValue(f[1])) i++;
      continue;
    }
    if (!before[i].startsWith('-')) positionals.push(before[i]);
  }
  const namespace = flagValue(before, ['-n', '--namespace']);
  if (id === 'docs')
    return {
      candidates: positionals.length === 0 ? match([...Object.keys(FINDINGS), 'rbac']) : [],
      directive: NO_FILE,
    };
  const want = positionalKind(id, positionals.length);
  const names = want && (await nameSource?.());
  if (!want || !names) return { candidates: [], directive: NO_FILE };
  return { candidates: match(await within(namesFor(want, namespace, typed, names))), directive: NO_FILE | NO_SPACE };
}

function positionalKind(id: CommandId, index: number): 'pod' | 'service' | undefined {
  if ((id === 'explain' || id === 'dump') && index === 0) return 'pod';
  if ((id === 'explain' || id === 'dump') && index === 1) return 'service';
  if (id === 'probes' && index === 0) return 'pod';
  return undefined;
}

/** NS/POD for a source, NAME.NS: for a destination (the port follows); namespaces first when none is typed. */
async function namesFor(kind: 'pod' | 'service', namespace: string | undefined, typed: string, names: NameSource) {
  if (kind === 'pod') {
    const ns = namespace ?? (typed.includes('/') ? typed.split('/')[0] : undefined);
    if (!ns) return (await names.namespaces()).map((n) => `${n}/`);
    return (await names.pods(ns)).map((p) => `${ns}/${p}`);
  }
  const ns = namespace ?? (typed.includes('.') ? typed.split('.')[1] : undefined);
  const services = await names.services(ns);
  return services.map((s) => `${s}:`);
}

async function valueOf(
  name: string,
  f: FlagSpec,
  typed: string,
  nameSource?: () => Promise<NameSource | undefined>,
): Promise<Completion> {
  const match = (list: readonly string[]) => list.filter((c) => c.startsWith(typed));
  const values = f.options ?? f.values;
  if (values) {
    const candidates = match(values);
    // `jsonpath=` waits for its template: no space after it.
    return { candidates, directive: candidates.some((c) => c.endsWith('=')) ? NO_FILE | NO_SPACE : NO_FILE };
  }
  if (FILE_FLAGS.has(name)) return { candidates: [], directive: DEFAULT };
  const names = name === 'context' || name === 'namespace' ? await nameSource?.() : undefined;
  if (name === 'context' && names) return { candidates: match(names.contexts()), directive: NO_FILE };
  if (name === 'namespace' && names) return { candidates: match(await within(names.namespaces())), directive: NO_FILE };
  return { candidates: [], directive: NO_FILE };
}

function flagValue(words: string[], flags: string[]): string | undefined {
  for (let i = words.length - 2; i >= 0; i--) if (flags.includes(words[i])) return words[i + 1];
  const inline = words.find((w) => flags.some((f) => w.startsWith(`${f}=`)));
  return inline?.split('=')[1];
}

/** Names, or none when the cluster does not answer within the deadline: completion never hangs a shell. */
async function within(work: Promise<string[]>): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), NAME_DEADLINE_MS);
  });
  try {
    return await Promise.race([work.catch(() => []), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function renderCompletion(c: Completion): string {
  return `${[...c.candidates, `:${c.directive}`].join('\n')}\n`;
}

/** Names from the cluster the words on the line point at (--kubeconfig, --context), read lazily. */
export async function liveNames(words: string[]): Promise<NameSource | undefined> {
  const [{ loadKubeConfig }, { ApiClient }] = await Promise.all([
    import('../input/kubeconfig.js'),
    import('../input/api.js'),
  ]);
  let loaded: ReturnType<typeof loadKubeConfig>;
  try {
    loaded = loadKubeConfig({
      kubeconfig: flagValue([...words, ''], ['--kubeconfig']),
      context: flagValue([...words, ''], ['--context']),
    });
  } catch {
    return undefined;
  }
  const api = new ApiClient(loaded, { timeoutMs: NAME_DEADLINE_MS, deadline: Date.now() + NAME_DEADLINE_MS });
  type Item = { metadata?: { name?: string; namespace?: string } } | null;
  const list = async (path: string, name: (item: Item) => string | undefined) => {
    const body = await api.get(path, { limit: 500 });
    return ((Array.isArray(body.items) ? body.items : []) as Item[]).map(name).filter((n): n is string => !!n);
  };
  return {
    namespaces: () => list('/api/v1/namespaces', (i) => i?.metadata?.name),
    pods: (ns) => list(`/api/v1/namespaces/${ns}/pods`, (i) => i?.metadata?.name),
    services: (ns) =>
      list(ns ? `/api/v1/namespaces/${ns}/services` : '/api/v1/services', (i) =>
        i?.metadata?.name ? `${i.metadata.name}.${i.metadata.namespace}` : '',
      ),
    contexts: () => loaded.contexts,
  };
}
