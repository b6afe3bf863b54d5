// Small DOM and number-formatting helpers shared by the demo's panels.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** 1234567 → "1,234,567". */
export const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** 1234567 → "1.2 M", 45600 → "45.6 k". */
export function fmtRate(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)} k`;
  return String(Math.round(n));
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
