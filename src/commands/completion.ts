import { Args, Command } from '@oclif/core';
import { commonFlags, fail } from '../cli/common.js';

// Each script asks the tool itself (`__complete`, cobra's protocol) for the candidates of the line being typed.
const SCRIPTS: Record<string, string> = {
  bash: `# bash completion for kubectl-ambient_doctor: source <(kubectl-ambient_doctor completion bash)
_kubectl_ambient_doctor() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out directive
  out=$(kubectl-ambient_doctor __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null)
  directive=\${out##*:}
  out=\${out%:*}
  if (( (directive & 4) == 0 )) && [[ -z "$out" ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -W "$out" -- "$cur")
  if (( (directive & 2) != 0 )); then compopt -o nospace 2>/dev/null; fi
}
complete -F _kubectl_ambient_doctor kubectl-ambient_doctor
`,
  zsh: `#compdef kubectl-ambient_doctor
# zsh completion for kubectl-ambient_doctor: source <(kubectl-ambient_doctor completion zsh)
_kubectl_ambient_doctor() {
  local -a lines candidates
  local directive
  lines=("\${(@f)$(kubectl-ambient_doctor __complete "\${words[@]:1:CURRENT-2}" "\${words[CURRENT]}" 2>/dev/null)}")
  directive=\${lines[-1]#:}
  candidates=("\${(@)lines[1,-2]}")
  if (( (directive & 4) == 0 )) && (( \${#candidates} == 0 )); then _files; return; fi
  if (( (directive & 2) != 0 )); then compadd -S '' -a candidates; else compadd -a candidates; fi
}
compdef _kubectl_ambient_doctor kubectl-ambient_doctor
`,
  fish: `# fish completion for kubectl-ambient_doctor: kubectl-ambient_doctor completion fish | source
function __kubectl_ambient_doctor_complete
  set -l words (commandline -opc)
  set -e words[1]
  kubectl-ambient_doctor __complete $words (commandline -ct) 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-ambient_doctor -f -a '(__kubectl_ambient_doctor_complete)'
`,
  powershell: `# PowerShell completion for kubectl-ambient_doctor:
# kubectl-ambient_doctor completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName kubectl-ambient_doctor -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
  if ($wordToComplete -ne '') { $words = @($words | Select-Object -SkipLast 1) }
  $out = & kubectl-ambient_doctor __complete @words $wordToComplete 2>$null
  $out | Where-Object { $_ -notmatch '^:' } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`,
};

export default class Completion extends Command {
  static override summary = 'Print a shell completion script (bash, zsh, fish or powershell)';
  static override description =
    'For `kubectl ambient-doctor <TAB>`, put kubectl_complete-ambient_doctor (in the npm package, or a two-line ' +
    'script that runs `kubectl-ambient_doctor __complete "$@"`) on your PATH: kubectl 1.26+ asks it.';
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion fish | source',
  ];
  static override args = {
    shell: Args.string({ required: true, options: Object.keys(SCRIPTS), description: 'the shell' }),
  };
  static override flags = { help: commonFlags.help };

  async run(): Promise<void> {
    try {
      const { args } = await this.parse(Completion);
      process.stdout.write(SCRIPTS[args.shell]);
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
