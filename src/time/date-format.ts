import { zonedParts } from "./zones.js";

const TOKEN = /yyyy|yy|MM|dd|HH|mm|ss|SSS|EEE|'[^']*'/g;

/**
 * Formats a date in a timezone with the tokens users know from date-fns/Java:
 * yyyy yy MM dd HH mm ss SSS EEE, and 'quoted' literals.
 */
export function formatDate(date: Date, format: string, timezone: string): string {
  const parts = zonedParts(date, timezone);
  return format.replace(TOKEN, (token) => {
    switch (token) {
      case "yyyy":
        return parts.year;
      case "yy":
        return parts.year.slice(-2);
      case "MM":
        return parts.month;
      case "dd":
        return parts.day;
      case "HH":
        return parts.hour;
      case "mm":
        return parts.minute;
      case "ss":
        return parts.second;
      case "SSS":
        return String(date.getUTCMilliseconds()).padStart(3, "0");
      case "EEE":
        return parts.weekday;
      default:
        return token.slice(1, -1);
    }
  });
}
