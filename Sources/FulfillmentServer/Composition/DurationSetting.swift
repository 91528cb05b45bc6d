import Foundation

/// A duration as settings write it: a number and a unit, `90s`, `10m`, `12h`, `30d` (a bare number is
/// seconds); `off` (or `0`) where a setting may be turned off.
public enum DurationSetting {
    /// Parses `text`; `nil` for `off` or `0` when `allowsOff`. The error names `setting` and what it accepts.
    public static func parse(_ text: String, setting: String, allowsOff: Bool = false) throws -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if allowsOff, trimmed == "off" || trimmed == "0" { return nil }
        let units: [(suffix: String, seconds: Double)] = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        let unit = units.first { trimmed.hasSuffix($0.suffix) }
        let number = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let value = Double(number), value > 0, value.isFinite, value <= 3650 * 86400 else {
            throw ConfigurationError(
                "\(setting) must be a duration such as 90s, 10m, 12h or 30d\(allowsOff ? ", or off" : "") (got \(text.prefix(40)))")
        }
        return .milliseconds(Int64((value * (unit?.seconds ?? 1) * 1000).rounded()))
    }
}
