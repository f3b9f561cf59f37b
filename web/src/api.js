// Calls to the /api/v1 JSON API of `dragnet serve`, with the API key the user entered.

const KEY_STORAGE = 'dragnet.apiKey';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The key lives in sessionStorage, so it is gone when the tab closes.
export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

// Build a same-origin API path with query arguments; array values repeat the argument.
export function apiPath(path, args = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

// GET path and return the response; throws ApiError with the server's {"error"} message.
export async function apiFetch(path, args) {
  const response = await fetch(apiPath(path, args), {
    headers: { 'X-Api-Key': getKey() },
    credentials: 'same-origin',
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && typeof body.error === 'string') message = body.error;
    } catch {
      // The body was not JSON: keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

// Parse a body that is one JSON value, or JSON objects one per line (NDJSON).
export function parseJsonOrLines(text) {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return JSON.parse(trimmed);
  } catch {
    return trimmed.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
  }
}

export async function apiJson(path, args) {
  const response = await apiFetch(path, args);
  return parseJsonOrLines(await response.text());
}

// Take the list of records out of an API response: a bare array, or the first array member of
// an object ({"records": [...]}), or a single object.
export function recordsOf(body) {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') {
    for (const name of ['records', 'results', 'history', 'certificates', 'documents']) {
      if (Array.isArray(body[name])) return body[name];
    }
    return [body];
  }
  return [];
}
