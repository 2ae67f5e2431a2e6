/**
 * Shell completion scripts for bash and zsh (`orchestrate completion bash|zsh`), written from a
 * description of the commands (the CLI reads it off commander), so every command and option the
 * CLI has is completed and none it lacks. Pure: a tree in, a script out.
 */

/** What a value (an option's or a positional argument's) is completed with. */
export type ValueKind = { kind: "file" } | { kind: "task" } | { kind: "choices"; choices: string[] } | { kind: "none" };

export interface CompletionOption {
  /** `-c`, `--config` */
  flags: string[];
  description: string;
  /** null: a switch, it takes no value. */
  value: ValueKind | null;
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  /** Positional arguments, in order. */
  args: ValueKind[];
  /** Its first argument is the config file (run, validate …): task names then come from it. */
  configArgument: boolean;
  subcommands: CompletionCommand[];
}

/**
 * Task and workflow names, read from the config without starting orchestrate: the keys one level
 * under `tasks:` and `workflows:`. Cheap enough for every Tab; a file laid out otherwise gives none.
 */
const TASK_NAMES_AWK = String.raw`/^(tasks|workflows):/ { inside = 1; indent = ""; next }
/^[^ #]/ { inside = 0 }
inside && /^ +["'A-Za-z0-9][^:]*:/ {
  lead = $0; sub(/[^ ].*/, "", lead)
  if (indent == "") indent = lead
  if (lead == indent) { name = substr($0, length(lead) + 1); sub(/:.*/, "", name); gsub(/["']/, "", name); print name }
}`;

// ---- bash ---------------------------------------------------------------------------------------

export function bashCompletion(root: CompletionCommand): string {
  const nodes = walk(root);
  const pathOf = (path: string[]) => path.join(" ");
  const caseLines = (pick: (node: CompletionCommand, path: string[]) => string | null) =>
    nodes
      .map(({ node, path }) => {
        const value = pick(node, path);
        return value === null ? null : `    ${bashWord(pathOf(path))}) ${value} ;;`;
      })
      .filter((line) => line !== null)
      .join("\n");

  const words = (node: CompletionCommand) => [...node.subcommands.map((c) => c.name), ...node.options.flatMap((o) => o.flags), ...(node === root ? [] : root.options.flatMap((o) => o.flags))];
  const valueOf = (node: CompletionCommand) => {
    const options = node === root ? root.options : [...node.options, ...root.options];
    const arms = options
      .filter((o) => o.value !== null)
      .map((o) => `${o.flags.map(bashWord).join("|")}) echo ${bashWord(valueWord(o.value!))} ;;`);
    return arms.length ? `case "$2" in ${arms.join(" ")} *) echo - ;; esac` : "echo -";
  };
  const configCommands = nodes.filter(({ node }) => node.configArgument).map(({ path }) => pathOf(path)).join(" ");
  const argOf = (node: CompletionCommand) =>
    node.args.length === 0
      ? null
      : `case "$2" in ${node.args.map((arg, i) => `${i}) echo ${bashWord(valueWord(arg))} ;;`).join(" ")} esac`;

  return `# bash completion for orchestrate: source it from ~/.bashrc, or save it as
# /etc/bash_completion.d/orchestrate (or ~/.local/share/bash-completion/completions/orchestrate).
#   orchestrate completion bash > ~/.local/share/bash-completion/completions/orchestrate

# The words that may follow a command: its subcommands and options.
_orchestrate_words() {
  case "$1" in
${caseLines((node) => `echo ${bashWord(words(node).join(" "))}`)}
  esac
}

# What an option's value is: - (nothing to offer), file, task, or choices:a,b.
_orchestrate_option_value() {
  case "$1" in
${caseLines((node) => valueOf(node))}
  esac
}

# What the Nth positional argument of a command is (same kinds).
_orchestrate_argument() {
  case "$1" in
${caseLines((node) => argOf(node))}
  esac
}

_orchestrate_tasks() {
  local config=$1
  [[ -r $config ]] || return 0
  awk ${bashWord(TASK_NAMES_AWK)} "$config" 2>/dev/null
}

_orchestrate_offer() {
  local kind=$1 cur=$2 config=$3
  case "$kind" in
    file) COMPREPLY=( $(compgen -f -- "$cur") ); compopt -o filenames 2>/dev/null ;;
    task) COMPREPLY=( $(compgen -W "$(_orchestrate_tasks "$config")" -- "$cur") ) ;;
    choices:*) COMPREPLY=( $(compgen -W "\${kind#choices:}" -- "$cur") ) ;;
    *) COMPREPLY=() ;;
  esac
}

_orchestrate() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local path="" config=orchestration.yaml positional=0 i word value
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word=\${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      value=$(_orchestrate_option_value "$path" "$word")
      if [[ $value != - && $word != *=* ]]; then
        (( i++ ))
        [[ $word == -c || $word == --config ]] && config=\${COMP_WORDS[i]}
      fi
      continue
    fi
    if [[ $positional == 0 && " $(_orchestrate_words "$path") " == *" $word "* ]]; then
      path=\${path:+$path }$word
    else
      [[ $positional == 0 && " ${configCommands} " == *" $path "* ]] && config=$word
      (( positional++ ))
    fi
  done

  if [[ $prev == -* ]]; then
    value=$(_orchestrate_option_value "$path" "$prev")
    if [[ $value != - ]]; then
      _orchestrate_offer "$value" "$cur" "$config"
      return 0
    fi
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=( $(compgen -W "$(_orchestrate_words "$path")" -- "$cur") )
    return 0
  fi
  value=$(_orchestrate_argument "$path" "$positional")
  if [[ -n $value ]]; then
    _orchestrate_offer "$value" "$cur" "$config"
  else
    COMPREPLY=( $(compgen -W "$(_orchestrate_words "$path")" -X '-*' -- "$cur") )
  fi
  return 0
}

complete -F _orchestrate orchestrate
`;
}

function valueWord(value: ValueKind): string {
  if (value.kind === "choices") return `choices:${value.choices.join(" ")}`;
  if (value.kind === "none") return "none";
  return value.kind;
}

/** A word for bash, single-quoted when it needs to be. */
function bashWord(text: string): string {
  if (/^[A-Za-z0-9_./:=+-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// ---- zsh ----------------------------------------------------------------------------------------

export function zshCompletion(root: CompletionCommand): string {
  const functions = walk(root).map(({ node, path }) => zshFunction(node, path, root));
  return `#compdef orchestrate
# zsh completion for orchestrate: save it as _orchestrate in a folder on $fpath, e.g.
#   orchestrate completion zsh > "\${fpath[1]}/_orchestrate"
# or source it from ~/.zshrc after compinit.

_orchestrate_tasks() {
  local config=orchestration.yaml
  local i
  for (( i = 1; i < $#words; i++ )); do
    [[ $words[i] == -c || $words[i] == --config ]] && config=$words[i+1]
  done
  [[ -r $config ]] || return 1
  local -a names
  names=( \${(f)"$(awk ${zshQuote(TASK_NAMES_AWK)} $config 2>/dev/null)"} )
  _describe -t tasks 'task or workflow' names
}

${functions.join("\n\n")}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _orchestrate "$@"
else
  compdef _orchestrate orchestrate
fi
`;
}

function zshFunction(node: CompletionCommand, path: string[], root: CompletionCommand): string {
  const name = ["_orchestrate", ...path].join("_").replace(/[^A-Za-z0-9_]/g, "_");
  const options = node === root ? root.options : [...node.options, ...root.options];
  const specs = options.map(zshOptionSpec);
  if (node.subcommands.length === 0) {
    const args = node.args.map((arg, i) => `${i + 1}:${zshAction(arg)}`);
    return `${name}() {\n  _arguments -s -S \\\n${[...specs, ...args.map(zshQuote)].map((s) => `    ${s}`).join(" \\\n")}\n}`;
  }
  const commands = node.subcommands.map((c) => zshQuote(`${c.name.replaceAll(":", "\\:")}:${oneLine(c.description)}`));
  const arms = node.subcommands.map((c) => `        ${c.name}) ${[name, c.name].join("_").replace(/[^A-Za-z0-9_]/g, "_")} ;;`);
  return `${name}() {
  local curcontext="$curcontext" state line
  typeset -A opt_args
  _arguments -C \\
${[...specs, zshQuote("1: :->command"), zshQuote("*:: :->argument")].map((s) => `    ${s}`).join(" \\\n")}
  case $state in
    command)
      local -a commands
      commands=(
${commands.map((c) => `        ${c}`).join("\n")}
      )
      _describe -t commands 'orchestrate ${path.join(" ") || "command"}' commands
      ;;
    argument)
      case $line[1] in
${arms.join("\n")}
      esac
      ;;
  esac
}`;
}

function zshOptionSpec(option: CompletionOption): string {
  const description = `[${oneLine(option.description).replace(/[[\]]/g, (c) => `\\${c}`)}]`;
  const value = option.value === null ? "" : `:${zshAction(option.value)}`;
  if (option.flags.length === 1) return zshQuote(`${option.flags[0]}${description}${value}`);
  const exclusive = `(${option.flags.join(" ")})`;
  return `${zshQuote(exclusive)}{${option.flags.join(",")}}${zshQuote(`${description}${value}`)}`;
}

function zshAction(value: ValueKind): string {
  if (value.kind === "file") return "file:_files";
  if (value.kind === "task") return "task:_orchestrate_tasks";
  if (value.kind === "choices") return `value:(${value.choices.join(" ")})`;
  return "value: ";
}

function zshQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function walk(root: CompletionCommand): Array<{ node: CompletionCommand; path: string[] }> {
  const out: Array<{ node: CompletionCommand; path: string[] }> = [];
  const visit = (node: CompletionCommand, path: string[]) => {
    out.push({ node, path });
    for (const sub of node.subcommands) visit(sub, [...path, sub.name]);
  };
  visit(root, []);
  return out;
}
