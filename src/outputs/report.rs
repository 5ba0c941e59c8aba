//! `report.html`: one page staff open in a browser to see a whole run at a glance.
//!
//! The page carries its own style, chart and sorting script, so it renders offline and
//! keeps working when the outputs folder is moved or shared: document links are relative
//! to the page. It holds nothing that changes between runs over the same inputs (no
//! clock time, durations or generated ids), so the same inputs give the same bytes.

use std::fmt;
use std::io::{self, Write};

use chrono::NaiveDate;

use crate::intake::{Partnership, Problem};
use crate::level::Level;
use crate::rubric::Assessment;

/// One accepted partnership as the report shows it.
pub struct ReportRow<'a> {
    pub partnership: &'a Partnership,
    pub assessment: &'a Assessment,
    /// Each document written for it: a label such as `MOA (Word)` and the path relative
    /// to the outputs folder, folders separated by `/`.
    pub documents: Vec<(String, String)>,
}

/// The totals shown in the summary block and the chart: the state of the outputs folder
/// after the run, never what one run happened to do, so a run that changes nothing
/// leaves the page as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportCounts {
    pub rows_read: usize,
    pub accepted: usize,
    pub rejected: usize,
    /// Accepted partnerships at each level: low, medium, high.
    pub levels: [usize; 3],
    pub board_notification: usize,
    pub board_approval: usize,
    pub documents: usize,
    pub documents_edited: usize,
    pub archived_folders: usize,
}

/// Writes the report page for district `title` as of the run date `as_of`.
pub fn write_report(
    out: &mut dyn Write,
    title: &str,
    as_of: NaiveDate,
    counts: &ReportCounts,
    rows: &[ReportRow<'_>],
    rejected: &[Problem],
) -> io::Result<()> {
    write_head(out, title)?;
    write_heading(out, title, as_of)?;
    writeln!(out, "<main>")?;
    write_summary(out, counts)?;
    write_partnerships(out, rows)?;
    write_rejected(out, rejected)?;
    writeln!(out, "</main>")?;
    write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n")
}

/// The document head: the page title and the inline style.
fn write_head(out: &mut dyn Write, title: &str) -> io::Result<()> {
    let page_title = match title.trim() {
        "" => "Partnership report".to_string(),
        district => format!("{district} \u{2014} Partnership report"),
    };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        Html(&page_title)
    )
}

/// The district, the page's name, the run date and links to each section.
fn write_heading(out: &mut dyn Write, title: &str, as_of: NaiveDate) -> io::Result<()> {
    writeln!(out, "<header>")?;
    if !title.trim().is_empty() {
        writeln!(out, "<p class=\"district\">{}</p>", Html(title.trim()))?;
    }
    writeln!(out, "<h1>Partnership report</h1>")?;
    writeln!(
        out,
        "<p class=\"as-of\">Run date: <time datetime=\"{as_of}\">{}</time></p>",
        as_of.format("%B %-d, %Y")
    )?;
    writeln!(
        out,
        "<nav aria-label=\"Sections\"><a href=\"#summary\">Summary</a> \
         <a href=\"#partnerships\">Partnerships</a> \
         <a href=\"#rejected\">Rejected rows</a></nav>\n</header>"
    )
}

/// The counts and the chart of levels.
fn write_summary(out: &mut dyn Write, counts: &ReportCounts) -> io::Result<()> {
    writeln!(out, "<section id=\"summary\" aria-labelledby=\"summary-heading\">")?;
    writeln!(out, "<h2 id=\"summary-heading\">Summary</h2>")?;
    write_counts(out, counts)?;
    write_chart(out, counts.levels)?;
    writeln!(out, "</section>")
}

/// One number of the summary: its `data-count` key, its label and its value.
type Count<'a> = (&'a str, &'a str, usize);

/// The counts as four labelled groups; each number carries `data-count` naming it.
fn write_counts(out: &mut dyn Write, counts: &ReportCounts) -> io::Result<()> {
    let [low, medium, high] = counts.levels;
    let groups: [(&str, &[Count]); 4] = [
        (
            "Partnerships",
            &[
                ("rows_read", "Rows read", counts.rows_read),
                ("accepted", "Accepted", counts.accepted),
                ("rejected", "Rejected", counts.rejected),
            ],
        ),
        (
            "Intensity",
            &[("low", "Low", low), ("medium", "Medium", medium), ("high", "High", high)],
        ),
        (
            "Board",
            &[
                ("board_notification", "Notification", counts.board_notification),
                ("board_approval", "Approval", counts.board_approval),
            ],
        ),
        (
            "Documents",
            &[
                ("documents", "In agreements/", counts.documents),
                ("documents_edited", "Edited by hand", counts.documents_edited),
                ("archived_folders", "Archived folders", counts.archived_folders),
            ],
        ),
    ];

    writeln!(out, "<div class=\"counts\">")?;
    for (group, items) in groups {
        writeln!(out, "<div class=\"count-group\">\n<h3>{group}</h3>\n<dl>")?;
        for (key, label, count) in items {
            writeln!(
                out,
                "<div><dt>{label}</dt><dd data-count=\"{key}\">{count}</dd></div>"
            )?;
        }
        writeln!(out, "</dl>\n</div>")?;
    }
    writeln!(out, "</div>")
}

/// The tallest bar's height in chart units; other bars scale to it.
const BAR_MAX: f64 = 150.0;
/// Where the bars stand, in chart units from the top.
const BASELINE: f64 = 190.0;

/// A bar chart of partnerships per level as inline SVG.
fn write_chart(out: &mut dyn Write, levels: [usize; 3]) -> io::Result<()> {
    let description = Level::ALL
        .iter()
        .zip(levels)
        .map(|(level, count)| format!("{count} {level}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        out,
        "<figure class=\"chart\">\n<svg viewBox=\"0 0 360 230\" role=\"img\" \
         aria-labelledby=\"chart-title chart-desc\">\n\
         <title id=\"chart-title\">Partnerships per intensity level</title>\n\
         <desc id=\"chart-desc\">{description}</desc>"
    )?;

    let most = levels.iter().copied().max().unwrap_or(0);
    for (index, (level, count)) in Level::ALL.iter().zip(levels).enumerate() {
        write_bar(out, index, *level, count, most)?;
    }
    writeln!(
        out,
        "<line class=\"axis\" x1=\"20\" y1=\"{BASELINE}\" x2=\"340\" y2=\"{BASELINE}\"/>"
    )?;
    if most == 0 {
        writeln!(
            out,
            "<text class=\"empty\" x=\"180\" y=\"110\">No accepted partnerships</text>"
        )?;
    }
    writeln!(
        out,
        "</svg>\n<figcaption>Partnerships per intensity level: {description}.</figcaption>\n\
         </figure>"
    )
}

/// One bar: its rectangle scaled to the largest count, the count above, the level below.
fn write_bar(
    out: &mut dyn Write,
    index: usize,
    level: Level,
    count: usize,
    most: usize,
) -> io::Result<()> {
    let height = if most == 0 { 0.0 } else { count as f64 / most as f64 * BAR_MAX };
    let x = 40.0 + 105.0 * index as f64;
    let top = BASELINE - height;
    let middle = x + 35.0;
    let label = level.label();
    writeln!(
        out,
        "<g class=\"bar level-{level}\" data-level=\"{level}\" data-count=\"{count}\">\
         <title>{label}: {count}</title>\
         <rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"70\" height=\"{height:.1}\"/>\
         <text class=\"count\" x=\"{middle:.1}\" y=\"{:.1}\">{count}</text>\
         <text class=\"label\" x=\"{middle:.1}\" y=\"{:.1}\">{label}</text></g>",
        top - 8.0,
        BASELINE + 22.0,
    )
}

/// The columns of the partnerships table: heading and whether it sorts.
const PARTNERSHIP_COLUMNS: [(&str, bool); 9] = [
    ("Partnership ID", true),
    ("Partner", true),
    ("Program", true),
    ("Intensity", true),
    ("Points", true),
    ("Flags", true),
    ("Review date", true),
    ("Source", true),
    ("Documents", false),
];

/// The accepted partnerships, one row each, in the order given.
fn write_partnerships(out: &mut dyn Write, rows: &[ReportRow<'_>]) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"partnerships\" aria-labelledby=\"partnerships-heading\">"
    )?;
    writeln!(out, "<h2 id=\"partnerships-heading\">Partnerships ({})</h2>", rows.len())?;
    if rows.is_empty() {
        return writeln!(
            out,
            "<p class=\"none\">No partnerships were accepted.</p>\n</section>"
        );
    }

    write_table_start(out, "partnerships-heading", &PARTNERSHIP_COLUMNS)?;
    for row in rows {
        write_partnership(out, row)?;
    }
    writeln!(out, "</tbody>\n</table>\n</div>\n</section>")
}

/// A scrolling box, the table and its header row; the body follows.
fn write_table_start(
    out: &mut dyn Write,
    labelled_by: &str,
    columns: &[(&str, bool)],
) -> io::Result<()> {
    writeln!(
        out,
        "<p class=\"sort-hint\" hidden>Select a column heading to sort by it; \
         select it again to reverse the order.</p>\n\
         <div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"{labelled_by}\">\n\
         <table class=\"sortable\">\n<thead>\n<tr>"
    )?;
    for (heading, sorts) in columns {
        let marker = if *sorts { "" } else { " data-nosort" };
        writeln!(out, "<th scope=\"col\"{marker}>{heading}</th>")?;
    }
    writeln!(out, "</tr>\n</thead>\n<tbody>")
}

/// One partnership's row.
fn write_partnership(out: &mut dyn Write, row: &ReportRow<'_>) -> io::Result<()> {
    let (p, a) = (row.partnership, row.assessment);
    writeln!(out, "<tr>")?;
    writeln!(out, "<th scope=\"row\" class=\"id\">{}</th>", Html(&p.partnership_id))?;
    writeln!(out, "<td>{}</td>", Html(&p.partner_name))?;
    writeln!(out, "<td>{}</td>", Html(&p.program_name))?;
    write_intensity(out, a)?;
    writeln!(out, "<td class=\"number\">{}</td>", a.points)?;
    write_flags(out, a)?;
    let review = a.routing.review_date;
    writeln!(out, "<td class=\"date\"><time datetime=\"{review}\">{review}</time></td>")?;
    let source = &p.source;
    writeln!(
        out,
        "<td class=\"source\">{}, sheet {}, row {}</td>",
        Html(&source.file),
        Html(&source.sheet),
        source.row
    )?;
    write_documents(out, &row.documents)?;
    writeln!(out, "</tr>")
}

/// The level that counts, and when it was overridden, the computed level and the reason.
fn write_intensity(out: &mut dyn Write, a: &Assessment) -> io::Result<()> {
    let rank = Level::ALL.iter().position(|&level| level == a.intensity).unwrap_or(0);
    write!(
        out,
        "<td data-sort=\"{rank}\"><span class=\"level level-{}\">{}</span>",
        a.intensity,
        a.intensity.label()
    )?;
    if a.overridden {
        write!(
            out,
            " <span class=\"override\">Overridden; computed \
             <span class=\"computed\">{}</span>",
            a.computed_intensity.label()
        )?;
        if let Some(reason) = a.override_reason.as_deref().filter(|r| !r.trim().is_empty())
        {
            write!(out, ". Reason: <span class=\"reason\">{}</span>", Html(reason))?;
        }
        write!(out, "</span>")?;
    }
    writeln!(out, "</td>")
}

/// What the partnership needs beyond its agreement, one line each.
fn write_flags(out: &mut dyn Write, a: &Assessment) -> io::Result<()> {
    let routing = &a.routing;
    let flags: Vec<&str> = [
        (routing.board_notification, "Board notification"),
        (routing.board_approval, "Board approval"),
        (routing.contract_review, "Contract review"),
        (routing.data_agreement, "Data agreement"),
    ]
    .into_iter()
    .filter_map(|(set, label)| set.then_some(label))
    .collect();

    if flags.is_empty() {
        return writeln!(out, "<td class=\"flags\"><span class=\"none\">None</span></td>");
    }
    write!(out, "<td class=\"flags\"><ul>")?;
    for flag in flags {
        write!(out, "\n<li>{flag}</li>")?;
    }
    writeln!(out, "</ul></td>")
}

/// Links to each document, relative to the page so the outputs folder can move.
fn write_documents(out: &mut dyn Write, documents: &[(String, String)]) -> io::Result<()> {
    if documents.is_empty() {
        return writeln!(
            out,
            "<td class=\"documents\"><span class=\"none\">None</span></td>"
        );
    }
    write!(out, "<td class=\"documents\"><ul>")?;
    for (label, path) in documents {
        write!(out, "\n<li><a href=\"{}\">{}</a></li>", UrlPath(path), Html(label))?;
    }
    writeln!(out, "</ul></td>")
}

/// The columns of the rejected rows table.
const REJECTED_COLUMNS: [(&str, bool); 6] = [
    ("File", true),
    ("Sheet", true),
    ("Row", true),
    ("Column", true),
    ("Value", true),
    ("Problem", true),
];

/// Every rejected row and unreadable file, with what is wrong and how to fix it.
fn write_rejected(out: &mut dyn Write, problems: &[Problem]) -> io::Result<()> {
    writeln!(out, "<section id=\"rejected\" aria-labelledby=\"rejected-heading\">")?;
    writeln!(out, "<h2 id=\"rejected-heading\">Rejected rows ({})</h2>", problems.len())?;
    if problems.is_empty() {
        return writeln!(out, "<p class=\"none\">No rows were rejected.</p>\n</section>");
    }

    write_table_start(out, "rejected-heading", &REJECTED_COLUMNS)?;
    for problem in problems {
        write_problem(out, problem)?;
    }
    writeln!(out, "</tbody>\n</table>\n</div>\n</section>")
}

/// One problem's row; the hint follows the problem in the same cell.
fn write_problem(out: &mut dyn Write, problem: &Problem) -> io::Result<()> {
    let row = problem.row.map(|row| row.to_string()).unwrap_or_default();
    writeln!(
        out,
        "<tr>\n<td>{}</td>\n<td>{}</td>\n<td class=\"number\">{row}</td>\n<td>{}</td>\n\
         <td class=\"value\">{}</td>",
        Html(&problem.file),
        Html(&problem.sheet),
        Html(&problem.column),
        Html(&problem.value)
    )?;
    write!(out, "<td class=\"problem\">{}", Html(&problem.problem))?;
    if let Some(hint) = &problem.hint {
        write!(out, " <span class=\"hint\">Hint: {}</span>", Html(hint))?;
    }
    writeln!(out, "</td>\n</tr>")
}

/// Text made safe for HTML content and quoted attribute values.
///
/// Control characters other than tab and line breaks are not allowed in HTML text, so
/// they show as the replacement character.
struct Html<'a>(&'a str);

impl fmt::Display for Html<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut start = 0;
        for (at, c) in text.char_indices() {
            let escaped = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' | '\r' => continue,
                c if c.is_control() => "\u{FFFD}",
                _ => continue,
            };
            f.write_str(&text[start..at])?;
            f.write_str(escaped)?;
            start = at + c.len_utf8();
        }
        f.write_str(&text[start..])
    }
}

/// A relative path as a URL path: every byte but the unreserved ones and the `/` between
/// folders is percent-encoded, so spaces, `#`, `?`, `%` and `:` in names stay part of the
/// name. The result needs no further HTML escaping.
struct UrlPath<'a>(&'a str);

impl fmt::Display for UrlPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0.bytes() {
            if byte.is_ascii_alphanumeric()
                || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            {
                write!(f, "{}", byte as char)?;
            } else {
                write!(f, "%{byte:02X}")?;
            }
        }
        Ok(())
    }
}

/// The page's style: readable on a phone, printable, level colours from a palette that
/// colour-blind readers can tell apart, always next to the level's name.
const STYLE: &str = r#"
:root {
  --low: #0072b2; --medium: #e69f00; --high: #d55e00;
  --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  color-scheme: light;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 84rem; padding: 1rem;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); background: #fff;
}
header { border-bottom: 2px solid var(--line); margin-bottom: 1rem; }
.district { margin: 0; font-size: 1.1rem; color: var(--muted); }
h1 { margin: 0.1rem 0; font-size: 1.8rem; }
h2 { margin: 1.8rem 0 0.6rem; font-size: 1.35rem; }
h3 { margin: 0 0 0.3rem; font-size: 1rem; }
.as-of { margin: 0.2rem 0 0.6rem; }
nav a { margin-right: 1rem; }
a { color: #0550ae; }
.counts {
  display: grid; gap: 0.8rem; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
}
.count-group {
  margin: 0; padding: 0.7rem 0.9rem; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px;
}
.count-group dl { margin: 0; }
.count-group dl div { display: flex; justify-content: space-between; gap: 1rem; }
.count-group dt { color: var(--muted); }
.count-group dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.chart { margin: 1.2rem 0 0; max-width: 30rem; }
.chart svg { display: block; width: 100%; height: auto; }
.chart figcaption { color: var(--muted); font-size: 0.9rem; }
.bar rect { stroke: var(--ink); stroke-width: 1; }
.level-low rect { fill: var(--low); }
.level-medium rect { fill: var(--medium); }
.level-high rect { fill: var(--high); }
.chart text { fill: var(--ink); text-anchor: middle; font-size: 14px; }
.chart .count { font-weight: 600; }
.chart .empty { fill: var(--muted); }
.axis { stroke: var(--ink); stroke-width: 1.5; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { padding: 0.45rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: var(--panel); border-bottom: 2px solid var(--line); white-space: nowrap; }
tbody tr { border-top: 1px solid var(--line); }
tbody tr:nth-child(even) { background: #fbfcfd; }
tbody th { font-weight: 600; white-space: nowrap; }
td ul { margin: 0; padding: 0; list-style: none; }
td.flags li { white-space: nowrap; }
td li + li { margin-top: 0.2rem; }
td.number, td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.value { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 18rem; }
.none { color: var(--muted); }
.level {
  display: inline-block; padding: 0 0.45rem; border-left: 0.7rem solid;
  background: var(--panel); font-weight: 600; white-space: nowrap;
}
.level-low.level { border-color: var(--low); }
.level-medium.level { border-color: var(--medium); }
.level-high.level { border-color: var(--high); }
.override, .hint { display: block; color: var(--muted); font-size: 0.85rem; }
th button.sort {
  all: inherit; cursor: pointer; padding: 0; border: 0; white-space: nowrap;
}
th button.sort:focus-visible { outline: 2px solid #0550ae; outline-offset: 2px; }
th button.sort::after { content: " \2195"; color: var(--muted); }
th[aria-sort="ascending"] button.sort::after { content: " \25B2"; color: var(--ink); }
th[aria-sort="descending"] button.sort::after { content: " \25BC"; color: var(--ink); }
.sort-hint { color: var(--muted); font-size: 0.9rem; margin: 0 0 0.4rem; }
@media (max-width: 40rem) {
  body { padding: 0.6rem; }
  h1 { font-size: 1.45rem; }
}
@media print {
  @page { size: landscape; margin: 1.2cm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, .sort-hint { display: none; }
  a { color: inherit; text-decoration: none; }
  .scroll { overflow: visible; border: 0; }
  h2 { break-after: avoid; }
  td.flags li { white-space: normal; }
  .chart { max-width: 18rem; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  section { break-inside: auto; }
  .chart, .count-group { break-inside: avoid; }
  th button.sort::after { content: none; }
  .bar rect, .level { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Sorts a table when a column heading is selected; without it the rows keep their order.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function key(row, column) {
    var cell = row.cells[column];
    var sortKey = cell.getAttribute("data-sort");
    return sortKey !== null ? sortKey : cell.textContent.trim();
  }
  function sortBy(table, heading, column) {
    var ascending = heading.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = collator.compare(key(a, column), key(b, column));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (heading, column) {
      if (heading.hasAttribute("data-nosort")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (heading.firstChild) { button.appendChild(heading.firstChild); }
      heading.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, heading, column); });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".sort-hint"), function (hint) {
    hint.hidden = false;
  });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        let text = Html("<script>alert(\"x\")</script> & 'y'").to_string();
        assert_eq!(
            text,
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(Html("a\u{0}b\tc").to_string(), "a\u{FFFD}b\tc");
    }

    #[test]
    fn encodes_each_path_segment() {
        let path = "agreements/P-1 #2? 100%/P-1 - MOA.docx";
        assert_eq!(
            UrlPath(path).to_string(),
            "agreements/P-1%20%232%3F%20100%25/P-1%20-%20MOA.docx"
        );
        assert_eq!(UrlPath("é:x").to_string(), "%C3%A9%3Ax");
    }
}
