/**
 * A URL as it may be shown (logs, run records, task names, errors): the password, or a user name
 * given alone (often a token), becomes `***`. Works on text that is not a valid URL too, since
 * that is exactly what error messages show.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*)@/gi;

export function maskUrl(text: string): string {
  return text.replace(USERINFO, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
