//! What `partnerdocs score` prints: one block of text per partnership for staff, or the
//! same facts as CSV or JSON.

use std::io::{self, Write};

use serde::Serialize;

use crate::intake::{Partnership, Source};
use crate::rubric::criteria::Criterion;
use crate::rubric::Assessment;

/// A partnership and its assessment, as the reports take them.
pub type Scored<'a> = (&'a Partnership, &'a Assessment);

/// Writes one readable block per partnership, separated by blank lines.
pub fn write_text<W: Write>(mut out: W, rows: &[Scored]) -> io::Result<()> {
    for (index, (partnership, assessment)) in rows.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write_block(&mut out, partnership, assessment)?;
    }
    out.flush()
}

fn write_block<W: Write>(out: &mut W, p: &Partnership, a: &Assessment) -> io::Result<()> {
    writeln!(out, "{}  {}: {}", p.partnership_id, p.partner_name, p.program_name)?;
    writeln!(out, "  from {}", p.source)?;
    for score in &a.criteria {
        let points = match score.points {
            1 => "1 pt".to_string(),
            n => format!("{n} pts"),
        };
        let (label, value, level) =
            (score.criterion.label(), &score.value, score.level.as_str());
        writeln!(
            out,
            "  {label:<20} {value:<28} {level:<7} {points:<6} {}",
            score.explanation
        )?;
    }
    writeln!(out, "  {:<20} {}", "combined", a.scoring_explanation)?;
    for floor in &a.floors_applied {
        writeln!(out, "  {:<20} {floor}", "floor")?;
    }
    write_level(out, a)?;
    write_routing(out, a)
}

fn write_level<W: Write>(out: &mut W, a: &Assessment) -> io::Result<()> {
    if a.overridden {
        let reason = a.override_reason.as_deref().unwrap_or("no reason given");
        let line = format!("{} (computed {}): {reason}", a.intensity, a.computed_intensity);
        writeln!(out, "  {:<20} {line}", "override")?;
    }
    writeln!(out, "  {:<20} {}", "intensity", a.intensity.label().to_uppercase())
}

fn write_routing<W: Write>(out: &mut W, a: &Assessment) -> io::Result<()> {
    let r = &a.routing;
    let moa = if r.moa_required { "required" } else { "encouraged (optional)" };
    let lines = [
        ("developed by", r.developed_by.clone()),
        ("MOA and matrix", moa.to_string()),
        ("Board notification", yes_no(r.board_notification).to_string()),
        ("Board approval", yes_no(r.board_approval).to_string()),
        ("contract review", yes_no(r.contract_review).to_string()),
        ("data agreement", yes_no(r.data_agreement).to_string()),
        ("review date", r.review_date.to_string()),
    ];
    for (name, value) in lines {
        writeln!(out, "  {name:<20} {value}")?;
    }
    Ok(())
}

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// Writes one CSV row per partnership; a criterion left out of the rubric has empty cells.
pub fn write_csv<W: Write>(out: W, rows: &[Scored]) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(csv_header())?;
    for (partnership, assessment) in rows {
        writer.write_record(csv_row(partnership, assessment))?;
    }
    writer.flush()
}

fn csv_header() -> Vec<String> {
    let mut header: Vec<String> =
        ["partnership_id", "partner_name", "program_name"].map(String::from).to_vec();
    for criterion in Criterion::ALL {
        for part in ["value", "level", "points", "explanation"] {
            header.push(format!("{}_{part}", criterion.as_str()));
        }
    }
    let tail = [
        "method",
        "points",
        "scored_intensity",
        "scoring_explanation",
        "floors_applied",
        "computed_intensity",
        "intensity",
        "overridden",
        "override_reason",
        "developed_by",
        "moa_required",
        "board_notification",
        "board_approval",
        "contract_review",
        "data_agreement",
        "review_date",
        "source",
    ];
    header.extend(tail.map(String::from));
    header
}

fn csv_row(p: &Partnership, a: &Assessment) -> Vec<String> {
    let mut row =
        vec![p.partnership_id.clone(), p.partner_name.clone(), p.program_name.clone()];
    for criterion in Criterion::ALL {
        match a.criterion(criterion) {
            Some(s) => row.extend([
                s.value.clone(),
                s.level.to_string(),
                s.points.to_string(),
                s.explanation.clone(),
            ]),
            None => row.extend(std::iter::repeat_n(String::new(), 4)),
        }
    }
    let r = &a.routing;
    row.extend([
        a.method.as_str().to_string(),
        a.points.to_string(),
        a.scored_intensity.to_string(),
        a.scoring_explanation.clone(),
        a.floors_applied.join("; "),
        a.computed_intensity.to_string(),
        a.intensity.to_string(),
        a.overridden.to_string(),
        a.override_reason.clone().unwrap_or_default(),
        r.developed_by.clone(),
        r.moa_required.to_string(),
        r.board_notification.to_string(),
        r.board_approval.to_string(),
        r.contract_review.to_string(),
        r.data_agreement.to_string(),
        r.review_date.to_string(),
        p.source.to_string(),
    ]);
    row
}

/// One partnership in the JSON report.
#[derive(Serialize)]
struct JsonEntry<'a> {
    partnership_id: &'a str,
    partner_name: &'a str,
    program_name: &'a str,
    source: &'a Source,
    #[serde(flatten)]
    assessment: &'a Assessment,
}

/// Writes a JSON array with one object per partnership, followed by a newline.
pub fn write_json<W: Write>(mut out: W, rows: &[Scored]) -> io::Result<()> {
    let entries: Vec<JsonEntry> = rows
        .iter()
        .map(|(p, a)| JsonEntry {
            partnership_id: &p.partnership_id,
            partner_name: &p.partner_name,
            program_name: &p.program_name,
            source: &p.source,
            assessment: a,
        })
        .collect();
    serde_json::to_writer_pretty(&mut out, &entries)?;
    writeln!(out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::intake::DataShared;
    use crate::level::Level;
    use crate::rubric::assess;
    use crate::rubric::testing::partnership;

    fn scored() -> (Partnership, Assessment) {
        let p = Partnership {
            data_shared: DataShared::StudentLevel,
            intensity_override: Some(Level::High),
            override_reason: Some("Board recategorized on 2024-05-14".into()),
            ..partnership()
        };
        let a = assess(&p, &Config::defaults().unwrap());
        (p, a)
    }

    #[test]
    fn text_shows_criteria_floor_override_and_flags() {
        let (p, a) = scored();
        let mut out = Vec::new();
        write_text(&mut out, &[(&p, &a)]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let first = "P-001  Riverside Science Museum: Family Science Night\n";
        assert!(text.starts_with(first), "{text}");
        assert!(text.contains("from requests.xlsx, sheet Partnerships, row 7"), "{text}");
        assert!(text.contains("1 hour a week is under 2"), "{text}");
        assert!(text.contains("9 points is under 11, so low"), "{text}");
        assert!(text.contains("data is student-level, so at least medium"), "{text}");
        assert!(text.contains("high (computed medium): Board recategorized"), "{text}");
        assert!(text.contains("intensity            HIGH"), "{text}");
        assert!(text.contains("data agreement       yes"), "{text}");
    }

    #[test]
    fn csv_has_one_row_per_partnership_with_matching_columns() {
        let (p, a) = scored();
        let mut out = Vec::new();
        write_csv(&mut out, &[(&p, &a), (&p, &a)]).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let header = reader.headers().unwrap().clone();
        let rows: Vec<_> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let cell = |name: &str| {
            let at = header.iter().position(|h| h == name).unwrap();
            rows[0][at].to_string()
        };
        assert_eq!(cell("data_level"), "high");
        assert_eq!(cell("computed_intensity"), "medium");
        assert_eq!(cell("intensity"), "high");
        assert_eq!(cell("board_approval"), "true");
    }

    #[test]
    fn json_is_an_array_of_flat_objects() {
        let (p, a) = scored();
        let mut out = Vec::new();
        write_json(&mut out, &[(&p, &a)]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value[0]["partnership_id"], "P-001");
        assert_eq!(value[0]["intensity"], "high");
        assert_eq!(value[0]["board_notification"], true);
        assert_eq!(value[0]["criteria"][4]["criterion"], "data");
        assert_eq!(value[0]["source"]["row"], 7);
    }
}
