/// The actions line items may name: the built-ins and those an embedding program registers, each with the
/// handler of its effects. The catalog and the metadata are checked against it (an unknown name is refused,
/// never read as `none`), and the ledger performs lines through it.
public struct ActionRegistry: Sendable {
    private var actions: [String: any FulfillmentAction] = [:]
    private var effectHandlers: [String: any ActionEffectHandler] = [:]

    /// The built-in actions only.
    public init() {
        for action in BuiltInActions.all { actions[action.name] = action }
    }

    public static let builtIn = ActionRegistry()

    /// Adds (or replaces) an action, with the handler of its effects if it has any.
    public mutating func register(_ action: any FulfillmentAction, effects: (any ActionEffectHandler)? = nil) {
        actions[action.name] = action
        effectHandlers[action.name] = effects
    }

    public func action(named name: String) -> (any FulfillmentAction)? { actions[name.lowercased()] }

    /// Every name, sorted (for error messages and documentation).
    public var names: [String] { actions.keys.sorted() }

    /// The dispatch channels of the registered effects and their handlers.
    public var effectDispatchers: [(channel: String, handler: any DispatchHandler)] {
        effectHandlers.sorted { $0.key < $1.key }.map { (ActionEffect.channel(action: $0.key), ActionEffectDispatcher(handler: $0.value)) }
    }
}
