/// A stored value this version does not know (a row written by a newer version, or by hand).
struct UnknownStoredValue: Error, CustomStringConvertible {
    var column: String
    var value: String
    var description: String { "unknown value \(value) in \(column)" }
}
