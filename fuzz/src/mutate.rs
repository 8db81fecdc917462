//! A small deterministic mutator for the stable smoke test: bit flips, byte overwrites with
//! boundary values, truncation, insertion, and chunk duplication, one to four at a time.
//! libFuzzer's own mutations, guided by coverage, replace it in `cargo fuzz` runs.

/// xorshift64*: reproducible from its seed.
pub struct Rng(u64);

impl Rng {
	/// A generator started from `seed` (zero is replaced: xorshift needs a non-zero state).
	pub fn new(seed: u64) -> Self {
		Self(seed.max(1))
	}

	/// The next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}

	/// A number below `n` (zero when `n` is zero).
	pub fn below(&mut self, n: usize) -> usize {
		if n == 0 {
			0
		} else {
			(self.next_u64() % n as u64) as usize
		}
	}
}

/// Values that sit on boundaries of lengths, counts and flags.
const INTERESTING: [u8; 8] = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff, 0x40];

/// `seed` changed by one to four random mutations.
pub fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
	let mut v = seed.to_vec();
	for _ in 0..=rng.below(4) {
		let at = rng.below(v.len());
		match rng.below(6) {
			0 => {
				let bit = 1u8 << rng.below(8);
				if let Some(b) = v.get_mut(at) {
					*b ^= bit;
				}
			}
			1 => {
				let value = INTERESTING.get(rng.below(INTERESTING.len())).copied().unwrap_or(0);
				if let Some(b) = v.get_mut(at) {
					*b = value;
				}
			}
			2 => v.truncate(at),
			3 => v.insert(at, rng.next_u64() as u8),
			4 => {
				let len = rng.below(64).min(v.len().saturating_sub(at));
				let chunk: Vec<u8> = v.get(at..at + len).unwrap_or_default().to_vec();
				let to = rng.below(v.len() + 1);
				v.splice(to..to, chunk);
			}
			_ => {
				let len = rng.below(v.len().saturating_sub(at) + 1);
				v.drain(at..at + len);
			}
		}
	}
	v
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn mutations_are_reproducible_and_change_the_input() {
		let seed = vec![7u8; 100];
		let a: Vec<Vec<u8>> = {
			let mut r = Rng::new(3);
			(0..50).map(|_| mutate(&seed, &mut r)).collect()
		};
		let b: Vec<Vec<u8>> = {
			let mut r = Rng::new(3);
			(0..50).map(|_| mutate(&seed, &mut r)).collect()
		};
		assert_eq!(a, b);
		assert!(a.iter().filter(|m| **m != seed).count() > 40);
		assert!(mutate(&[], &mut Rng::new(1)).len() <= 1);
	}
}
