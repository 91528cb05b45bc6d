import Foundation
import StripeAPI

/// A thin event (`v2.core.event`): what happened and to which object, never the object itself. Each v1
/// event a thin destination receives has one (`v1.` + its type, pointing at its snapshot event); the
/// destination ping and health alerts have only this.
struct ThinEventRecord: Sendable {
    struct RelatedObject: Sendable {
        var id: String
        var type: String
        var url: String
    }

    var id: String
    var type: String
    var created: Date
    var relatedObject: RelatedObject?
    var snapshotEventID: String?
    /// The connected account the event happened on (`nil`: the platform's own).
    var context: String?
    var requestID: String?
    var idempotencyKey: String?
    /// The event's own data (health alerts); v1 thin events have none: the object is fetched.
    var data: JSONValue?

    /// The thin event of a v1 event: `v1.<type>`, pointing at the object and the snapshot event.
    init(id: String, snapshot event: EventRecord, created: Date) {
        self.id = id
        self.type = "v1." + event.type
        self.created = created
        let objectID = event.object["id"]?.stringValue ?? ""
        let objectType = event.object["object"]?.stringValue ?? ""
        self.relatedObject = RelatedObject(id: objectID, type: objectType, url: Self.path(of: objectType, id: objectID))
        self.snapshotEventID = event.id
        self.context = event.account
        self.requestID = event.requestID
        self.idempotencyKey = event.idempotencyKey
    }

    init(id: String, type: String, created: Date, relatedObject: RelatedObject?, context: String?, data: JSONValue?) {
        self.id = id
        self.type = type
        self.created = created
        self.relatedObject = relatedObject
        self.context = context
        self.data = data
    }

    /// What a destination receives: no object, no data.
    var notification: JSONValue {
        var json: JSONValue = [
            "id": .string(id), "object": "v2.core.event", "type": .string(type), "created": .string(V2Time.string(created)),
            "livemode": false, "context": .string(context),
        ]
        if let relatedObject {
            json["related_object"] = ["id": .string(relatedObject.id), "type": .string(relatedObject.type), "url": .string(relatedObject.url)]
        }
        if let requestID {
            json["reason"] = ["type": "request", "request": ["id": .string(requestID), "idempotency_key": .string(idempotencyKey)]]
        }
        return json
    }

    /// `GET /v2/core/events/{id}`: the notification plus the snapshot event's id and the event's data.
    var json: JSONValue {
        var json = notification
        json["snapshot_event"] = .string(snapshotEventID)
        json["changes"] = nil
        if let data { json["data"] = data }
        return json
    }

    /// Where a v1 object of `type` is fetched (the related object's `url`).
    static func path(of type: String, id: String) -> String {
        let collection = switch type {
        case "checkout.session": "checkout/sessions"
        case "charge": "charges"
        case "payment_intent": "payment_intents"
        case "payment_method": "payment_methods"
        case "source": "sources"
        case "dispute": "disputes"
        case "refund": "refunds"
        case "customer": "customers"
        case "product": "products"
        case "price": "prices"
        case "account": "accounts"
        default: type.replacingOccurrences(of: ".", with: "/") + "s"
        }
        return "/v1/\(collection)/\(id)"
    }
}
