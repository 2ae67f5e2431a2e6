/** The dashboard: a login when the API asks for a token, then four pages under hash routes, kept live by the event stream. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { call, forgetToken, onUnauthorized, savedToken, saveToken, Unauthorized } from "./api.js";
import { forgetTaskNames } from "./hooks.js";
import { connectLive, disconnectLive, useLiveConnected } from "./live.js";
import { RunPage } from "./pages/run.js";
import { RunsPage, type RunsFilter } from "./pages/runs.js";
import { TasksPage } from "./pages/tasks.js";
import { TimelinePage, WINDOWS, type WindowHours } from "./pages/timeline.js";
import { useLocation } from "./router.js";
import "./styles.css";

type Access = "in" | "login";

/**
 * The page starts as if let in: each page's own call goes out at once. Any 401 (the API has a
 * token, and this tab has none or a stale one) turns it into the login form.
 */
function App() {
  const [access, setAccess] = useState<Access>("in");

  useEffect(() => {
    const off = onUnauthorized(() => {
      forgetToken();
      disconnectLive();
      setAccess("login");
    });
    connectLive();
    return off;
  }, []);

  if (access === "login")
    return (
      <Shell>
        <Login
          onIn={() => {
            forgetTaskNames();
            setAccess("in");
            connectLive();
          }}
        />
      </Shell>
    );
  return (
    <Shell nav>
      <Pages />
    </Shell>
  );
}

function Shell({ nav = false, children }: { nav?: boolean; children: preact.ComponentChildren }) {
  const where = useLocation();
  const live = useLiveConnected();
  const link = (path: string, label: string) => {
    const current = path === "/" ? where.path === "/" || where.path === "/tasks" : where.path.startsWith(path);
    return (
      <a href={`#${path}`} aria-current={current ? "page" : undefined}>
        {label}
      </a>
    );
  };
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">orchestrate</span>
        {nav && (
          <nav aria-label="pages">
            {link("/", "Tasks")}
            {link("/runs", "Runs")}
            {link("/timeline", "Timeline")}
          </nav>
        )}
        {nav && (
          <span class={`live ${live ? "on" : "off"}`} role="status" title={live ? "live: updates arrive as they happen" : "not connected to the event stream: retrying"}>
            {live ? "● live" : "○ offline"}
          </span>
        )}
        {nav && savedToken() !== null && (
          <button
            type="button"
            class="link"
            onClick={() => {
              forgetToken();
              location.reload();
            }}
          >
            Log out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function Pages() {
  const { path, params } = useLocation();
  const run = /^\/runs\/(\d+)$/.exec(path);
  if (run) return <RunPage id={Number(run[1])} />;
  if (path === "/runs") {
    const before = params.get("before");
    const limit = params.get("limit");
    const filter: RunsFilter = {
      task: params.get("task") ?? undefined,
      status: params.get("status") ?? undefined,
      since: params.get("since") ?? undefined,
      until: params.get("until") ?? undefined,
      before: before ? Number(before) : undefined,
      limit: limit ? Number(limit) : undefined,
    };
    return <RunsPage filter={filter} />;
  }
  if (path === "/timeline") {
    const hours = Number(params.get("hours") ?? 24);
    return <TimelinePage hours={hours in WINDOWS ? (hours as WindowHours) : 24} />;
  }
  return <TasksPage />;
}

function Login({ onIn }: { onIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="login"
      aria-labelledby="login-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await call("GET", "/v1/tasks?view=summary", token.trim());
          saveToken(token.trim());
          onIn();
        } catch (err) {
          setError(err instanceof Unauthorized ? "That token was not accepted." : (err as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h1 id="login-title">Log in</h1>
      <p class="muted">This daemon's API needs its token (the variable that api.token_env names). It is kept in this tab only.</p>
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autoComplete="current-password" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Log in
      </button>
    </form>
  );
}

render(<App />, document.getElementById("app")!);
