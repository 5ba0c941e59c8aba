//! `rejected.csv`: every rejected row and unreadable file, for staff to fix.

use std::io::Write;

use crate::intake::Problem;

/// The columns of `rejected.csv`.
pub const COLUMNS: [&str; 6] = ["file", "sheet", "row", "column", "value", "problem"];

/// Writes the problems as CSV; the hint follows the problem in the same column.
pub fn write_rejected(out: &mut dyn Write, problems: &[Problem]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for problem in problems {
        let row = problem.row.map(|row| row.to_string()).unwrap_or_default();
        writer.write_record([
            problem.file.as_str(),
            &problem.sheet,
            &row,
            &problem.column,
            &problem.value,
            &problem.problem_with_hint(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_line_per_problem_with_the_hint() {
        let problem = Problem {
            row: Some(4),
            column: "End Date".into(),
            value: "2026-01-01".into(),
            ..Problem::sheet(
                "a.xlsx",
                "Partnerships",
                "the end date is before the start date",
            )
        }
        .with_hint("check both dates");
        let mut out = Vec::new();
        write_rejected(&mut out, &[problem]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "file,sheet,row,column,value,problem\n\
             a.xlsx,Partnerships,4,End Date,2026-01-01,\
             the end date is before the start date (hint: check both dates)\n"
        );
    }
}
