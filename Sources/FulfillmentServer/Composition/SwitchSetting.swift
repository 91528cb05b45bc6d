import Foundation

/// An on/off setting as settings write it: `on`/`off` (also `true`/`false`, `yes`/`no`, `1`/`0`).
public enum SwitchSetting {
    /// Parses `text`; the error names `setting` and what it accepts.
    public static func parse(_ text: String, setting: String) throws -> Bool {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw ConfigurationError("\(setting) must be on or off (got \(text.prefix(40)))")
        }
    }
}
