import ArgumentParser

/// A `--status` option's value as one of a queue's statuses (`nil`: every status), or an error that names
/// them: `fulfill events|emails|dispatches list` read theirs alike.
func parseStatus<Status: RawRepresentable<String> & CaseIterable>(_ name: String?, of _: Status.Type) throws -> Status? {
    guard let name else { return nil }
    guard let status = Status(rawValue: name) else {
        throw ValidationError("Unknown status \(name) (\(Status.allCases.map(\.rawValue).joined(separator: ", "))).")
    }
    return status
}
