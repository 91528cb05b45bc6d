import HTTPTypes
import Hummingbird
import StripeAPI

/// The v2 API the emulator has: event destinations and thin events under `/v2/core` (JSON bodies, the same
/// keys, idempotency and faults as `/v1`).
struct EmulatorV2Routes<Context: RequestContext>: Sendable {
    let responder: APIResponder
    var state: EmulatorState { responder.state }

    func register(on router: Router<Context>) {
        let state = self.state
        let core = router.group("v2/core")
        route(core, .post, "event_destinations") { try await state.createEventDestination($1) }
        route(core, .get, "event_destinations") { try await state.listEventDestinations($1) }
        route(core, .get, "event_destinations/:id") { try await state.retrieveEventDestination($0, $1) }
        route(core, .post, "event_destinations/:id") { try await state.updateEventDestination($0, $1) }
        route(core, .delete, "event_destinations/:id") { id, _ in try await state.deleteEventDestination(id) }
        route(core, .post, "event_destinations/:id/enable") { id, _ in try await state.setEventDestination(id, enabled: true) }
        route(core, .post, "event_destinations/:id/disable") { id, _ in try await state.setEventDestination(id, enabled: false) }
        route(core, .post, "event_destinations/:id/ping") { id, _ in try await state.pingEventDestination(id) }
        route(core, .get, "events") { try await state.listThinEvents($1) }
        route(core, .get, "events/:id") { try await state.retrieveThinEvent($0, $1) }
    }

    private func route(
        _ group: RouterGroup<Context>, _ method: HTTPRequest.Method, _ path: RouterPath,
        _ operation: @escaping @Sendable (_ id: String, _ call: APICall) async throws -> JSONValue
    ) {
        group.on(path, method: method) { [responder] request, context in
            let id = context.parameters.get("id") ?? ""
            return await responder.respond(request) { call in try await operation(id, call) }
        }
    }
}
