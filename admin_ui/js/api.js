// The one place that talks to the Herald API (base URL from config.js), signed in
// deployed stages with the staff member's ID token.
import {idToken, signIn, signInRequired} from "./session.js";

const apiBase = (window.HERALD_CONFIG?.apiBase ?? "").replace(/\/+$/, "");

// An answer other than 2xx, with the API's {"error": {code, message, field?, line?}}.
class ApiError extends Error {
  constructor(status, code, message, field, line) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.line = line;
  }
}

function errorFrom(response, body, method, path) {
  const detail = body?.error;
  if (detail?.message) {
    return new ApiError(response.status, detail.code, detail.message, detail.field, detail.line);
  }
  if (response.status === 403 || response.status === 404) {
    // API Gateway (and `chalice local`) answer routes they do not know this way.
    return new ApiError(response.status, "not_available",
      `this API does not offer ${method} ${path.split("?")[0]} (yet)`);
  }
  return new ApiError(response.status, "http_error",
    body?.message ?? `the API answered ${response.status} ${response.statusText}`);
}

// The sign-in expired (or API Gateway refused the token): off to sign in again.
function signingInAgain() {
  signIn();
  return new ApiError(401, "signed_out", "your sign-in has expired; signing in again");
}

function authorization() {
  if (!signInRequired) return {};
  const token = idToken();
  if (!token) throw signingInAgain();
  return {Authorization: token};
}

async function request(method, path, body) {
  const init = {method, headers: {Accept: "application/json", ...authorization()}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiBase + path, init);
  } catch {
    throw new ApiError(0, "network", "cannot reach the Herald API; check your connection");
  }
  if (response.status === 401 && signInRequired) throw signingInAgain();
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = {message: text};
  }
  if (!response.ok) throw errorFrom(response, data, method, path);
  return data;
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body = {}) => request("POST", path, body),
  put: (path, body = {}) => request("PUT", path, body),
  delete: (path) => request("DELETE", path),
};

// Builds a path with each dynamic segment URL-encoded: path`/templates/${name}`.
export function path(strings, ...values) {
  return strings.reduce((out, text, i) => out + text + (i < values.length ? encodeURIComponent(values[i]) : ""), "");
}
