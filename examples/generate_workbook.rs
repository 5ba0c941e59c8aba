//! Writes a generated intake workbook: `generate_workbook OUT.xlsx ROWS`.

#[path = "../benches/support/workbook.rs"]
mod workbook;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: generate_workbook OUT.xlsx ROWS")?;
    let rows: u32 = args.next().as_deref().unwrap_or("100000").parse()?;
    workbook::write_workbook(std::path::Path::new(&out), rows)?;
    Ok(())
}
