// RFC 4180 CSV, both ways: quoted fields, doubled quotes, line breaks inside quotes, CRLF,
// a leading byte-order mark.

export function parseCSV(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      row.push(field);
      field = "";
      rows.push(row);
      row = [];
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

function quote(value) {
  const s = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function toCSV(rows) {
  return rows.map((r) => r.map(quote).join(",")).join("\r\n") + "\r\n";
}

/**
 * The lines of an uploaded file: a CSV whose header names `log_message` (and maybe `source`),
 * or plain text, one log line a line. Returns [{source, log_message}].
 */
export function linesOfFile(name, text) {
  const firstLine = text.slice(0, 4096).split(/\r?\n/, 1)[0].replace(/^\ufeff/, "");
  const looksCSV = /\.csv$/i.test(name) || /(^|,)\s*"?log_message"?\s*(,|$)/.test(firstLine);
  if (looksCSV) {
    const rows = parseCSV(text);
    const header = (rows[0] || []).map((h) => h.trim());
    const msg = header.indexOf("log_message");
    if (msg < 0) {
      throw new Error(`The CSV header (${header.join(", ") || "empty"}) has no log_message column.`);
    }
    const src = header.indexOf("source");
    return rows.slice(1)
      .filter((r) => r.length > msg && r[msg].trim() !== "")
      .map((r) => ({ source: src >= 0 && r[src] ? r[src] : null, log_message: r[msg] }));
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== "").map((l) => ({ source: null, log_message: l }));
}
