// DOM helpers that put data into the page as text only: every string becomes a text node or
// the value of a plain attribute, and nothing here parses HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Attributes whose values the browser would load or run; el() throws rather than set them.
const UNSAFE_ATTRIBUTE = /^(on|href$|src$|srcdoc$|action$|formaction$|xlink:href$|style$)/i;

function applyProps(node, props) {
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') {
      node.setAttribute('class', value);
    } else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (UNSAFE_ATTRIBUTE.test(name)) {
      throw new Error(`el: attribute ${name} may not be set from data`);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function appendChildren(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Create an HTML element with attributes, event handlers (props.on) and children; strings and
// numbers among the children become text nodes.
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  applyProps(node, props);
  appendChildren(node, children);
  return node;
}

// The same for SVG elements.
export function svg(tag, props, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  applyProps(node, props);
  appendChildren(node, children);
  return node;
}

// Replace the children of node.
export function fill(node, ...children) {
  node.replaceChildren();
  appendChildren(node, children);
  return node;
}

// Format epoch seconds or an ISO 8601 string as UTC "2024-03-09 16:00:00Z"; '' for none.
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace('T', ' ').replace('.000Z', 'Z');
}

// Epoch seconds of epoch seconds or an ISO 8601 string; null for none or an unreadable value.
export function toEpoch(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms / 1000;
}

// Render rows of objects as a table; columns are [heading, row => value] pairs.
export function table(columns, rows, props) {
  return el('table', props,
    el('thead', null, el('tr', null, columns.map(([heading]) => el('th', { scope: 'col' }, heading)))),
    el('tbody', null, rows.map((row) =>
      el('tr', null, columns.map(([, value]) => el('td', null, value(row)))))));
}
