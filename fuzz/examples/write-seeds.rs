//! Writes every target's seeds as libFuzzer's starting corpus: `fuzz/corpus/<target>/seed-<n>`.

use std::{fs, path::Path};

fn main() -> std::io::Result<()> {
	let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
	let targets: [(&str, Vec<Vec<u8>>); 7] = [
		("envelope_open", aegis_fuzz::seeds::envelope_open()),
		("verify_quote", aegis_fuzz::seeds::verify_quote()),
		("verify_evidence", aegis_fuzz::seeds::verify_evidence()),
		("platform_collateral", aegis_fuzz::seeds::platform_collateral()),
		("revealed_call", aegis_fuzz::seeds::revealed_call()),
		("batch", aegis_fuzz::seeds::batch()),
		("worker_parsers", aegis_fuzz::seeds::worker_parsers()),
	];
	for (name, seeds) in targets {
		let dir = root.join(name);
		fs::create_dir_all(&dir)?;
		for (n, seed) in seeds.iter().enumerate() {
			fs::write(dir.join(format!("seed-{n}")), seed)?;
		}
		println!("{}: {} seeds", dir.display(), seeds.len());
	}
	Ok(())
}
