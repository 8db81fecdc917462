//! Several byte strings in one fuzz input: each but the last prefixed by its length (u16, LE),
//! the last taking the rest. Mutations then change one field at a time or the framing itself.

/// `fields` framed as one input.
pub fn join(fields: &[&[u8]]) -> Vec<u8> {
	let mut out = Vec::new();
	if let Some((last, rest)) = fields.split_last() {
		for f in rest {
			let len = u16::try_from(f.len()).expect("seed fields are shorter than 64 KiB");
			out.extend_from_slice(&len.to_le_bytes());
			out.extend_from_slice(f);
		}
		out.extend_from_slice(last);
	}
	out
}

/// The `N` fields of `data`, if its framing holds.
pub fn split<const N: usize>(mut data: &[u8]) -> Option<[&[u8]; N]> {
	let mut out = [&[][..]; N];
	let (last, rest) = out.split_last_mut()?;
	for field in rest {
		let (len, tail) = data.split_first_chunk::<2>()?;
		let len = usize::from(u16::from_le_bytes(*len));
		if tail.len() < len {
			return None;
		}
		let (f, tail) = tail.split_at(len);
		*field = f;
		data = tail;
	}
	*last = data;
	Some(out)
}

#[cfg(test)]
mod tests {
	#[test]
	fn fields_round_trip_and_bad_framing_is_none() {
		let joined = super::join(&[b"ab", b"", b"xyz"]);
		assert_eq!(super::split::<3>(&joined), Some([&b"ab"[..], b"", b"xyz"]));
		assert_eq!(super::split::<3>(&[9, 0, 1]), None);
		assert_eq!(super::split::<1>(b"anything"), Some([&b"anything"[..]]));
	}
}
