import { describe, expect, it } from "vitest";
import { bashCompletion, zshCompletion, type CompletionCommand } from "../../src/cli/completion-script.js";

const root: CompletionCommand = {
  name: "orchestrate",
  description: "",
  options: [
    { flags: ["-c", "--config"], description: "the [config] file", value: { kind: "file" } },
    { flags: ["--log-format"], description: "text or json", value: { kind: "choices", choices: ["text", "json"] } },
    { flags: ["-q", "--quiet"], description: "don't log much", value: null },
  ],
  args: [],
  configArgument: false,
  subcommands: [
    { name: "trigger", description: "run it now: a task's 'name'", options: [], args: [{ kind: "task" }], configArgument: false, subcommands: [] },
    { name: "run", description: "the daemon", options: [{ flags: ["--grace"], description: "how long", value: { kind: "none" } }], args: [{ kind: "file" }], configArgument: true, subcommands: [] },
  ],
};

describe("the completion scripts are written from the command tree", () => {
  it("bash: each command's words, option values and arguments, by command path", () => {
    const script = bashCompletion(root);
    expect(script).toContain(`    '') echo 'trigger run -c --config --log-format -q --quiet' ;;`);
    expect(script).toContain(`    run) echo '--grace -c --config --log-format -q --quiet' ;;`);
    expect(script).toContain(`    run) case "$2" in --grace) echo none ;; -c|--config) echo file ;; --log-format) echo 'choices:text json' ;; *) echo - ;; esac ;;`);
    expect(script).toContain(`    trigger) case "$2" in 0) echo task ;; esac ;;`);
    expect(script).toContain(`" run " == *" $path "*`);
    expect(script).toMatch(/\ncomplete -F _orchestrate orchestrate\n$/);
  });

  it("zsh: brackets in descriptions are escaped and quotes survive single-quoting", () => {
    const script = zshCompletion(root);
    expect(script).toContain(`'(-c --config)'{-c,--config}'[the \\[config\\] file]:file:_files'`);
    expect(script).toContain(`'(-q --quiet)'{-q,--quiet}'[don'\\''t log much]'`);
    expect(script).toContain(`'trigger:run it now: a task'\\''s '\\''name'\\'''`);
    expect(script).toContain(`'1:task:_orchestrate_tasks'`);
    expect(script).toMatch(/^#compdef orchestrate\n/);
  });
});
