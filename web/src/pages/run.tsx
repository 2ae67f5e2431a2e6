/** Run: one run in full — status, times, attempts, invocations, output, HTTP result, messages, deliveries, and a workflow's graph. */
import { Fragment } from "preact";
import { api, type RunRecord } from "../api.js";
import { ansiToHtml } from "../ansi.js";
import { Dag } from "../components/dag.js";
import { StatusBadge } from "../components/status.js";
import { duration, durationMs, shellWord, zonedTime } from "../format.js";
import { useLoad, useNow } from "../hooks.js";
import { useLiveReload } from "../live.js";

type Invocation = RunRecord["invocations"][number];

export function RunPage({ id }: { id: number }) {
  const run = useLoad(() => api.run(id), `run-${id}`);
  const now = useNow();
  useLiveReload(run.reload, (e) => e.runId === id);
  const r = run.data;
  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">
        Run #{id} {r && <StatusBadge status={r.status} />}
      </h1>
      {run.error && <p class="error" role="alert">{run.error}</p>}
      {!r && !run.error && <p class="muted">Loading…</p>}
      {r && (
        <>
          <dl class="facts wide">
            <Fact term="Task">
              <a href={`#/runs?task=${encodeURIComponent(r.task)}`}>{r.task}</a>
            </Fact>
            <Fact term="Trigger">{r.trigger}</Fact>
            <Fact term="Scheduled">{r.scheduledAt ? zonedTime(r.scheduledAt) : "—"}</Fact>
            <Fact term="Started">{r.startedAt ? zonedTime(r.startedAt) : "—"}</Fact>
            <Fact term="Finished">{r.finishedAt ? zonedTime(r.finishedAt) : "—"}</Fact>
            <Fact term="Duration">{duration(durationMs(r.startedAt, r.finishedAt, now))}</Fact>
            <Fact term="Attempts">{String(r.attempts)}</Fact>
            <Fact term="Exit code">{r.exitCode === null ? "—" : String(r.exitCode)}</Fact>
          </dl>
          {r.error && (
            <p class="error run-error" role="alert">
              <strong>Error:</strong> {r.error}
            </p>
          )}
          {r.reason && <p class="notice">Reason: {r.reason}</p>}
          {r.steps.length > 0 && (
            <section aria-labelledby="steps-title">
              <h2 id="steps-title">Workflow</h2>
              <Dag steps={r.steps} nowMs={now} />
              <Steps run={r} now={now} />
            </section>
          )}
          {r.invocations.length > 0 && (
            <section aria-labelledby="inv-title">
              <h2 id="inv-title">Invocations</h2>
              <Invocations invocations={r.invocations} now={now} />
            </section>
          )}
          {(r.steps.length === 0 || r.output) && (
            <section aria-labelledby="output-title">
              <h2 id="output-title">Output (tail)</h2>
              <Output text={r.output} />
            </section>
          )}
          {r.steps.some((step) => step.output || step.rollback?.output) && (
            <section aria-labelledby="step-output-title">
              <h2 id="step-output-title">Output of each step (tail)</h2>
              {r.steps.map((step) => (
                <Fragment key={step.name}>
                  {step.output && (
                    <details open={step.status === "failed"} data-step-output={step.name}>
                      <summary>{step.name}</summary>
                      <Output text={step.output} />
                    </details>
                  )}
                  {step.rollback?.output && (
                    <details data-step-output={`${step.name} rollback`}>
                      <summary>{step.name}: rollback</summary>
                      <Output text={step.rollback.output} />
                    </details>
                  )}
                </Fragment>
              ))}
            </section>
          )}
          {r.http && (
            <section aria-labelledby="http-title">
              <h2 id="http-title">HTTP result</h2>
              <p>
                Status <strong class="http-status">{r.http.status ?? "no answer"}</strong>
              </p>
              <Output text={r.http.body} />
            </section>
          )}
          {r.messages.length > 0 && (
            <section aria-labelledby="messages-title">
              <h2 id="messages-title">Messages from the script</h2>
              <ul class="messages">
                {r.messages.map((m, i) => (
                  <li key={i}>
                    <time dateTime={m.at}>{zonedTime(m.at)}</time> {m.status && <StatusBadge status={m.status} />} {m.message}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {r.notifications.length > 0 && (
            <section aria-labelledby="notify-title">
              <h2 id="notify-title">Notifications</h2>
              <div class="table-wrap">
                <table class="notifications">
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col">To</th>
                      <th scope="col">Result</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.notifications.map((n, i) => (
                      <tr key={i}>
                        <td>{n.event}</td>
                        <td class="mono clip">{n.destination}</td>
                        <td>
                          <span class={`badge ${n.status === "delivered" ? "status-succeeded" : "status-failed"}`}>{n.status}</span>
                        </td>
                        <td>{n.attempts}</td>
                        <td>{n.detail ?? ""}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          )}
        </>
      )}
    </section>
  );
}

function Fact({ term, children }: { term: string; children: preact.ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Output({ text }: { text: string }) {
  if (!text) return <p class="muted">(no output)</p>;
  // ansiToHtml escapes the text; only its own spans are markup.
  return <pre class="output" tabIndex={0} dangerouslySetInnerHTML={{ __html: ansiToHtml(text) }} />;
}

const argvOf = (inv: Invocation) => [inv.target, ...inv.params.flatMap(([k, v]) => [`--${k}`, v])].map(shellWord).join(" ");

function Invocations({ invocations, now }: { invocations: Invocation[]; now: number }) {
  return (
    <div class="table-wrap">
      <table class="invocations">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Command</th>
            <th scope="col">Status</th>
            <th scope="col">Exit</th>
            <th scope="col">Attempts</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {invocations.map((inv) => (
            <tr key={inv.index}>
              <td>{inv.index}</td>
              <td class="mono argv">{argvOf(inv)}</td>
              <td>
                <StatusBadge status={inv.status} />
                {inv.error && <div class="small error-text">{inv.error}</div>}
              </td>
              <td class="exit-code">{inv.exitCode ?? inv.signal ?? "—"}</td>
              <td>{inv.attempts}</td>
              <td>{duration(durationMs(inv.startedAt, inv.finishedAt, now))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Steps({ run, now }: { run: RunRecord; now: number }) {
  return (
    <div class="table-wrap">
      <table class="steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">After</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Rollback</th>
          </tr>
        </thead>
        <tbody>
          {run.steps.map((step) => (
            <tr key={step.name} data-step={step.name}>
              <th scope="row">{step.name}</th>
              <td>{step.dependsOn.join(", ") || "—"}</td>
              <td>
                <StatusBadge status={step.status} />
                {(step.error ?? step.reason) && <div class="small muted">{step.error ?? step.reason}</div>}
              </td>
              <td>{duration(durationMs(step.startedAt, step.finishedAt, now))}</td>
              <td>{step.rollback ? <StatusBadge status={step.rollback.status} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
