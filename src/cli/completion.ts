/** `pimesh completion bash`: commands, then each command's options, from the command table. */
import type { Command } from './commands.js';

export function bashCompletion(commands: readonly Command[]): string {
  const names = commands.map((c) => c.name).join(' ');
  const cases = commands
    .map((c) => {
      const options = Object.entries(c.options).map(([name]) => `--${name}`);
      const words = [...options, '--help', ...(c.args ? c.args.replace(/[<>.]/g, ' ').split(/[\s|]+/) : [])]
        .filter(Boolean)
        .join(' ');
      return `    ${c.name}) COMPREPLY=($(compgen -W "${words}" -- "$cur")) ;;`;
    })
    .join('\n');
  return `# bash completion for pimesh (pimesh completion bash)
_pimesh() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${names} --help --version" -- "$cur"))
    return
  fi
  case \${COMP_WORDS[1]} in
${cases}
  esac
  case \${COMP_WORDS[COMP_CWORD-1]} in
    --config|-c) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _pimesh pimesh
`;
}
