// Template drafts kept in this browser (localStorage) while someone types, so a crash,
// a closed tab or a reload loses nothing. One draft per template and the version it was
// based on; never a secret: the sample of a secret (or link) variable is left out.

const PREFIX = "herald-draft:";
const NEW = "(new)";  // the draft of a template not saved yet

function keyOf(name, version) {
  return `${PREFIX}${name ?? NEW}:${version ?? ""}`;
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;  // storage blocked: the editor works, without drafts
  }
}

function withoutSecrets(template) {
  const variables = Object.fromEntries(Object.entries(template.variables ?? {}).map(([name, spec]) => {
    if (!spec.secret && !spec.link) return [name, spec];
    const {sample, ...kept} = spec;
    return [name, kept];
  }));
  return {...template, variables};
}

// Draft {name?, template} of `name` (null: a new template) based on `version`.
export function keepDraft(name, version, draft) {
  const entry = {...draft, template: withoutSecrets(draft.template), base_version: version,
    saved_at: new Date().toISOString()};
  try {
    storage()?.setItem(keyOf(name, version), JSON.stringify(entry));
  } catch {
    // full or refused: the unsaved-edits guard still protects the open page
  }
}

function draftsOf(name) {
  const store = storage();
  if (!store) return [];
  const prefix = `${PREFIX}${name ?? NEW}:`;
  const found = [];
  for (let index = 0; index < store.length; index += 1) {
    const key = store.key(index);
    if (!key?.startsWith(prefix)) continue;
    try {
      found.push({key, ...JSON.parse(store.getItem(key))});
    } catch {
      found.push({key, saved_at: ""});  // unreadable: dropped below
    }
  }
  return found;
}

// The newest draft that is newer than the saved version (based on it, or typed after it
// was saved), or null. The others are dropped: a later save made them history.
export function newestDraft(name, {version, savedAt}) {
  const drafts = draftsOf(name).sort((a, b) => (Date.parse(b.saved_at) || 0) - (Date.parse(a.saved_at) || 0));
  const [newest] = drafts;
  const newer = newest?.template && (newest.base_version === (version ?? null) || !savedAt
    || Date.parse(newest.saved_at) > Date.parse(savedAt));
  const usable = newer ? newest : null;
  for (const draft of drafts) {
    if (draft !== usable) storage()?.removeItem(draft.key);
  }
  return usable;
}

// Saved or discarded: every draft of the template goes.
export function clearDrafts(name) {
  for (const {key} of draftsOf(name)) storage()?.removeItem(key);
}
