// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IQuantumRiskOracle.sol";

/// @title A vault whose withdrawals follow the chain's quantum-risk level
/// @notice Anyone may deposit, at any level. The owner withdraws:
///         - at Normal, any amount to any address;
///         - at Elevated, at most `elevatedCap` in all until the next withdrawal at Normal;
///         - at Emergency, only to the recovery address registered beforehand.
///         The recovery address and the cap change only when the risk is low: level Normal and
///         the score below the Elevated threshold (an escalation may already be scheduled while
///         the level still reads Normal). A key stolen once the risk is high can therefore take
///         at most the cap, and cannot redirect what is left.
contract QuantumRiskVault {
    /// @notice The oracle precompile of every QuantumAegis chain.
    IQuantumRiskOracle public constant ORACLE =
        IQuantumRiskOracle(0x000000000000000000000000000000000a0e0000);

    uint8 internal constant NORMAL = 0;
    uint8 internal constant ELEVATED = 1;
    uint8 internal constant EMERGENCY = 2;

    address public immutable owner;
    address public recovery;
    uint256 public elevatedCap;
    /// @notice Withdrawn at Elevated since the last withdrawal at Normal.
    uint256 public withdrawnAtElevated;

    event Deposited(address indexed from, uint256 amount);
    event Withdrawn(address indexed to, uint256 amount, uint8 level);
    event RecoveryChanged(address indexed recovery);

    error NotOwner();
    error AboveElevatedCap(uint256 amount, uint256 cap);
    error OnlyToRecovery(address to, address recovery);
    error OnlyWhenRiskIsLow(uint8 level, uint16 score);
    error ZeroAddress();
    error InsufficientBalance(uint256 amount, uint256 balance);
    error TransferFailed();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(address recovery_, uint256 elevatedCap_) payable {
        if (recovery_ == address(0)) revert ZeroAddress();
        owner = msg.sender;
        recovery = recovery_;
        elevatedCap = elevatedCap_;
        if (msg.value > 0) emit Deposited(msg.sender, msg.value);
    }

    /// @notice Deposits are accepted at every level.
    function deposit() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    receive() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice The level the oracle reports now.
    function level() public view returns (uint8) {
        return ORACLE.riskLevel();
    }

    /// @notice Sends `amount` to `to` if the level allows it.
    function withdraw(address payable to, uint256 amount) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        uint8 current = ORACLE.riskLevel();
        if (current >= EMERGENCY) {
            if (to != recovery) revert OnlyToRecovery(to, recovery);
        } else if (current == ELEVATED) {
            uint256 total = withdrawnAtElevated + amount;
            if (total > elevatedCap) revert AboveElevatedCap(total, elevatedCap);
            withdrawnAtElevated = total;
        } else {
            withdrawnAtElevated = 0;
        }
        uint256 held = address(this).balance;
        if (amount > held) revert InsufficientBalance(amount, held);
        emit Withdrawn(to, amount, current);
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /// @notice Registers a new recovery address; only when the risk is low.
    function setRecovery(address recovery_) external onlyOwner {
        if (recovery_ == address(0)) revert ZeroAddress();
        onlyWhenRiskIsLow();
        recovery = recovery_;
        emit RecoveryChanged(recovery_);
    }

    /// @notice Sets how much may be withdrawn at Elevated; only when the risk is low.
    function setElevatedCap(uint256 cap) external onlyOwner {
        onlyWhenRiskIsLow();
        elevatedCap = cap;
    }

    /// @dev Level Normal, and no escalation under way: the score is below the Elevated
    ///      threshold.
    function onlyWhenRiskIsLow() internal view {
        uint8 current = ORACLE.riskLevel();
        uint16 score = ORACLE.riskScore();
        (uint16 elevated, ) = ORACLE.thresholds();
        if (current != NORMAL || score >= elevated) revert OnlyWhenRiskIsLow(current, score);
    }
}
