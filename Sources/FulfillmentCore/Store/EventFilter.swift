/// Which stored events to list: any combination of a status, a type and the object they name.
public struct EventFilter: Sendable, Hashable {
    public var status: InboxEventStatus?
    public var type: String?
    public var objectID: String?

    public init(status: InboxEventStatus? = nil, type: String? = nil, objectID: String? = nil) {
        self.status = status
        self.type = type
        self.objectID = objectID
    }

    public func matches(_ event: InboxEvent) -> Bool {
        (status == nil || event.status == status) && (type == nil || event.type == type)
            && (objectID == nil || event.objectID == objectID)
    }
}
