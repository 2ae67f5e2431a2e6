/**
 * A real browser for the dashboard's end-to-end tests: Debian's Chromium (the `chromium` package),
 * driven by playwright-core, headless, with everything that would reach the network on its own
 * (updates, safe browsing, metrics, sync) switched off.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** The real binary first (Debian's /usr/bin/chromium is a shell wrapper around it), then the wrapper. */
const CANDIDATES = [process.env.ORCHESTRATE_CHROMIUM, "/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

export function findChromium(): string | null {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path)) ?? null;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-default-apps",
      "--disable-domain-reliability",
      "--disable-sync",
      "--disable-client-side-phishing-detection",
      "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
      "--metrics-recording-only",
      "--no-first-run",
      "--no-pings",
      "--disable-dev-shm-usage",
    ],
  });
}
