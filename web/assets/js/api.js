// api.js - every call to lfsd's JSON API goes through here: adds the bearer token,
// turns any failure (network, non-JSON, {"error":{...}}) into one ApiError with a
// message an operator can act on, and dispatches 'lfsd:unauthorized' on a 401.

import { sessionToken } from './session.js';

/** A failed API call. status is 0 for network failures. */
export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.file = extra.file ?? null;
    this.line = extra.line ?? null;
    this.details = extra;
  }
}

const STATUS_TEXT = {
  400: 'the request was rejected',
  401: 'the admin token was not accepted',
  403: 'not allowed',
  404: 'not found',
  405: 'this lfsd does not support that operation yet',
  409: 'conflict',
  413: 'the upload is larger than the server accepts',
  422: 'the input could not be processed',
  500: 'the server failed',
  503: 'the server is busy',
};

/** Turn a response body (text) and status into an ApiError. */
export function apiErrorFrom(status, bodyText, what) {
  let err = null;
  try { err = JSON.parse(bodyText).error; } catch { /* not JSON */ }
  if (err && typeof err === 'object') {
    return new ApiError(status, err.code || `http_${status}`, err.message || STATUS_TEXT[status] || `HTTP ${status}`, err);
  }
  if (err && typeof err === 'string') return new ApiError(status, `http_${status}`, err);
  const text = (bodyText || '').trim().slice(0, 200);
  const base = STATUS_TEXT[status] || `HTTP ${status}`;
  return new ApiError(status, `http_${status}`, `${what}: ${base}${text && !text.startsWith('<') ? ` (${text})` : ''}`);
}

function notifyUnauthorized(status) {
  if (status === 401) window.dispatchEvent(new CustomEvent('lfsd:unauthorized'));
}

/**
 * Call the API. opts: method, json (body object), token (override), raw (return
 * the Response), text (return body text). Returns parsed JSON (null for 204).
 */
export async function api(path, opts = {}) {
  const headers = { Accept: 'application/json' };
  const token = opts.token ?? sessionToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const method = opts.method || (body ? 'POST' : 'GET');
  const what = `${method} ${path}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', `cannot reach lfsd (${what}): ${e.message}`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    if (!opts.quiet401) notifyUnauthorized(res.status);
    throw apiErrorFrom(res.status, text, what);
  }
  if (opts.raw) return res;
  if (opts.text) return res.text();
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'bad_json', `${what}: lfsd answered with something that is not JSON`);
  }
}

/**
 * POST a FormData with XMLHttpRequest so upload progress can be shown.
 * onProgress(loaded, total) during the upload; onUploaded() once the body is sent.
 * Resolves { status, body } with body parsed JSON; rejects with ApiError.
 */
export function apiUpload(path, form, { onProgress, onUploaded } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const token = sessionToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (onProgress) onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    });
    xhr.upload.addEventListener('load', () => onUploaded && onUploaded());
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', `cannot reach lfsd (POST ${path})`)));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'upload cancelled')));
    xhr.addEventListener('load', () => {
      if (xhr.status < 200 || xhr.status > 299) {
        notifyUnauthorized(xhr.status);
        reject(apiErrorFrom(xhr.status, xhr.responseText, `POST ${path}`));
        return;
      }
      try {
        resolve({ status: xhr.status, body: xhr.responseText ? JSON.parse(xhr.responseText) : null });
      } catch {
        reject(new ApiError(xhr.status, 'bad_json', `POST ${path}: lfsd answered with something that is not JSON`));
      }
    });
    xhr.send(form);
  });
}
