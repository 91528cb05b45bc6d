/// Delivers one kind of dispatch: the merchant's webhook, or a merchant-registered action's effect. Called
/// at least once per dispatch (again after a failure or a crash), always with the same `dispatch.id`: a
/// handler that keys its effect on it takes effect once. Throwing schedules a retry.
public protocol DispatchHandler: Sendable {
    func deliver(_ dispatch: QueuedDispatch) async throws
}

/// Channel -> handler. A dispatch whose channel has no handler (an action no longer registered) fails its
/// attempts with that reason and ends dead, replayable once the handler is back.
public struct DispatchRegistry: Sendable {
    private var handlers: [String: any DispatchHandler] = [:]

    public init() {}

    public mutating func register(_ handler: any DispatchHandler, for channel: String) {
        handlers[channel] = handler
    }

    public func handler(for channel: String) -> (any DispatchHandler)? { handlers[channel] }

    public var channels: [String] { handlers.keys.sorted() }
}

/// The reason a dispatch could not be handed to anyone.
public struct NoDispatchHandler: Error, Sendable, CustomStringConvertible {
    public var channel: String
    public var description: String { "no handler registered for channel \(channel)" }
}
