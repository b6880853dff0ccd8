// Staff sign-in in a deployed stage: Cognito's hosted UI (implicit grant) hands back an
// ID token in the URL fragment; it is kept for this tab and sent with every API call.
// Locally config.js names no cognitoDomain and nothing here does anything.
const {cognitoDomain, userPoolClientId} = window.HERALD_CONFIG ?? {};
const TOKEN_KEY = "herald.idToken";
const PENDING_KEY = "herald.signIn";  // {state, route} while the browser is at Cognito
const EXPIRY_MARGIN_S = 60;
const pageUrl = new URL(".", location.href).href;  // the callback URL Cognito knows
let leaving = false;

export const signInRequired = Boolean(cognitoDomain && userPoolClientId);

function cognitoUrl(action, parameters) {
  return `https://${cognitoDomain}/${action}?${new URLSearchParams({client_id: userPoolClientId, ...parameters})}`;
}

function claimsOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

function session() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token && claimsOf(token);
  return claims?.exp > Date.now() / 1000 + EXPIRY_MARGIN_S ? {token, claims} : null;
}

// The ID token to send as Authorization, or null when there is none or it is about to expire.
export function idToken() {
  return session()?.token ?? null;
}

// Off to the hosted UI; Cognito sends the browser back to this page and route.
export function signIn() {
  if (leaving) return;
  leaving = true;
  sessionStorage.removeItem(TOKEN_KEY);
  const state = crypto.randomUUID();
  const route = location.hash.startsWith("#/") ? location.hash : "";
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({state, route}));
  location.assign(cognitoUrl("login", {response_type: "token", scope: "openid email", redirect_uri: pageUrl, state}));
}

// Back from Cognito: keep the token (if it answers our own request) and put the route back in the URL.
function takeReturn() {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null");
  if (!pending) return null;
  sessionStorage.removeItem(PENDING_KEY);
  const returned = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", pageUrl + pending.route);
  if (returned.get("id_token") && returned.get("state") === pending.state) {
    sessionStorage.setItem(TOKEN_KEY, returned.get("id_token"));
    return null;
  }
  return returned.get("error_description") ?? "the sign-in did not complete";
}

// At start: {ready} when the UI may be shown; otherwise the browser is on its way to
// the sign-in page, or `problem` says why Cognito came back without a token.
export function startSession() {
  if (!signInRequired) return {ready: true};
  const problem = takeReturn();
  if (problem) return {ready: false, problem};
  if (session()) return {ready: true};
  signIn();
  return {ready: false};
}

// Who is signed in and where signing out goes (null locally).
export function signedInUser() {
  const claims = session()?.claims;
  if (!claims) return null;
  return {
    name: claims.email ?? claims["cognito:username"],
    signOutUrl: cognitoUrl("logout", {logout_uri: pageUrl}),
  };
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}
