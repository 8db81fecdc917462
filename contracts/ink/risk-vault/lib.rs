//! # A vault whose withdrawals follow the chain's quantum-risk level (ink! 6)
//!
//! The ink! twin of `contracts/solidity/QuantumRiskVault.sol`. Its messages are Solidity-ABI
//! (this crate's `ink-lang` ABI is `sol`) with the same signatures as the Solidity vault's
//! (`deposit()`, `level()`, `recovery()`, `withdraw(address,uint256)`, `setRecovery(address)`,
//! `setElevatedCap(uint256)`), so the same calls drive both; its errors carry no parameters.
//!
//! - anyone deposits, at every level (`deposit()`, payable);
//! - the owner withdraws: anything anywhere at Normal, at most `elevated_cap` in all at
//!   Elevated (until the next withdrawal at Normal), only to the recovery address at Emergency;
//! - the recovery address and the cap change only when the risk is low (level Normal and the
//!   score below the Elevated threshold: an escalation may be scheduled while the level still
//!   reads Normal), so a key stolen once the risk is high takes at most the cap and cannot
//!   redirect the rest.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod risk_vault {
	use ink::U256;
	use quantum_risk_oracle::{oracle, QuantumRiskOracle, ELEVATED, EMERGENCY, NORMAL};

	/// The zero address, refused as a recipient or recovery address.
	const ZERO: [u8; 20] = [0; 20];

	/// The vault's owner, recovery address and Elevated cap (18-decimal units).
	#[ink(storage)]
	pub struct RiskVault {
		owner: Address,
		recovery: Address,
		elevated_cap: U256,
		withdrawn_at_elevated: U256,
	}

	/// Value deposited.
	#[ink(event)]
	pub struct Deposited {
		#[ink(topic)]
		from: Address,
		amount: U256,
	}

	/// Value withdrawn, and the level it was withdrawn at.
	#[ink(event)]
	pub struct Withdrawn {
		#[ink(topic)]
		to: Address,
		amount: U256,
		level: u8,
	}

	/// Why a call was refused (each a Solidity custom error).
	#[derive(Debug, PartialEq, Eq)]
	#[ink::error]
	pub enum Error {
		/// Only the owner may do this.
		NotOwner,
		/// Above the cap allowed at Elevated.
		AboveElevatedCap,
		/// At Emergency, only the recovery address may receive.
		OnlyToRecovery,
		/// Only when the risk is low.
		OnlyWhenRiskIsLow,
		/// The zero address.
		ZeroAddress,
		/// The vault holds less.
		InsufficientBalance,
		/// The transfer failed.
		TransferFailed,
	}

	impl RiskVault {
		/// A vault owned by the caller, with its recovery address and Elevated cap.
		#[ink(constructor, payable)]
		pub fn new(recovery: Address, elevated_cap: U256) -> Result<Self, Error> {
			if recovery == Address::from(ZERO) {
				return Err(Error::ZeroAddress);
			}
			Ok(Self {
				owner: Self::env().caller(),
				recovery,
				elevated_cap,
				withdrawn_at_elevated: U256::zero(),
			})
		}

		/// Deposits are accepted at every level.
		#[ink(message, payable)]
		pub fn deposit(&mut self) {
			let amount = self.env().transferred_value();
			self.env().emit_event(Deposited { from: self.env().caller(), amount });
		}

		/// The level the oracle reports now.
		#[ink(message)]
		pub fn level(&self) -> u8 {
			oracle().riskLevel()
		}

		/// The recovery address.
		#[ink(message)]
		pub fn recovery(&self) -> Address {
			self.recovery
		}

		/// Sends `amount` to `to` if the level allows it.
		#[ink(message)]
		pub fn withdraw(&mut self, to: Address, amount: U256) -> Result<(), Error> {
			self.only_owner()?;
			if to == Address::from(ZERO) {
				return Err(Error::ZeroAddress);
			}
			let level = oracle().riskLevel();
			if level >= EMERGENCY {
				if to != self.recovery {
					return Err(Error::OnlyToRecovery);
				}
			} else if level == ELEVATED {
				let total = self.withdrawn_at_elevated.saturating_add(amount);
				if total > self.elevated_cap {
					return Err(Error::AboveElevatedCap);
				}
				self.withdrawn_at_elevated = total;
			} else {
				self.withdrawn_at_elevated = U256::zero();
			}
			if amount > self.env().balance() {
				return Err(Error::InsufficientBalance);
			}
			self.env().transfer(to, amount).map_err(|_| Error::TransferFailed)?;
			self.env().emit_event(Withdrawn { to, amount, level });
			Ok(())
		}

		/// Registers a new recovery address; only when the risk is low.
		#[ink(message, name = "setRecovery")]
		pub fn set_recovery(&mut self, recovery: Address) -> Result<(), Error> {
			self.only_owner()?;
			if recovery == Address::from(ZERO) {
				return Err(Error::ZeroAddress);
			}
			self.only_when_risk_is_low()?;
			self.recovery = recovery;
			Ok(())
		}

		/// Sets how much may be withdrawn at Elevated; only when the risk is low.
		#[ink(message, name = "setElevatedCap")]
		pub fn set_elevated_cap(&mut self, cap: U256) -> Result<(), Error> {
			self.only_owner()?;
			self.only_when_risk_is_low()?;
			self.elevated_cap = cap;
			Ok(())
		}

		fn only_owner(&self) -> Result<(), Error> {
			if self.env().caller() != self.owner {
				return Err(Error::NotOwner);
			}
			Ok(())
		}

		/// Level Normal, and no escalation under way: the score is below the Elevated
		/// threshold.
		fn only_when_risk_is_low(&self) -> Result<(), Error> {
			let oracle = oracle();
			let (elevated, _) = oracle.thresholds();
			if oracle.riskLevel() != NORMAL || oracle.riskScore() >= elevated {
				return Err(Error::OnlyWhenRiskIsLow);
			}
			Ok(())
		}
	}
}
