// The page header's "Signed in as … · Sign out" (deployed stages only).
import {h} from "./dom.js";
import {forgetToken} from "./session.js";

export function accountBar({name, signOutUrl}) {
  return h("p", {class: "account"}, "Signed in as ", h("strong", {}, name), " ",
    h("a", {href: signOutUrl, onclick: forgetToken}, "Sign out"));
}
