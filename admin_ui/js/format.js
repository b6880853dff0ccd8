// Human-readable times, sizes and ids.

const dateTime = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "medium"});
const clock = new Intl.DateTimeFormat(undefined, {timeStyle: "medium"});
const relative = new Intl.RelativeTimeFormat(undefined, {numeric: "auto"});

const UNITS = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? "") : dateTime.format(date);
}

export function formatClock(date = new Date()) {
  return clock.format(date);
}

export function formatRelative(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Number.isNaN(seconds)) return String(iso ?? "");
  const [unit, size] = UNITS.find(([, unitSize]) => Math.abs(seconds) >= unitSize) ?? UNITS[3];
  return relative.format(Math.round(seconds / size), unit);
}

export function formatBytes(bytes) {
  if (bytes == null) return "";
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

export function formatAge(seconds) {
  const [unit, size] = UNITS.find(([, unitSize]) => seconds >= unitSize) ?? UNITS[3];
  const count = Math.floor(seconds / size);
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

export function shortVersion(versionId) {
  return String(versionId ?? "").slice(0, 8);
}
