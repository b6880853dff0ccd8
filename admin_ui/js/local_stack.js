// Whether this admin UI talks to the local stack (`make run`). Only the local stack
// answers GET /_local/info; a deployed stage's config.js always names its Cognito
// sign-in, so a deployed UI never even asks.
import {api} from "./api.js";
import {signInRequired} from "./session.js";

export async function onLocalStack() {
  if (signInRequired) return false;
  try {
    await api.get("/_local/info");
    return true;
  } catch {
    return false;
  }
}
