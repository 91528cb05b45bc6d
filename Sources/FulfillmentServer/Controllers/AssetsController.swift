import Foundation
import HTTPTypes
import Hummingbird

/// `GET /assets/order.js`: the order page's poller, served as a file so that the pages' Content-Security-Policy
/// allows no inline script. Read once from the bundle.
struct AssetsController<Context: RequestContext>: Sendable {
    func register(on router: Router<Context>) {
        let script = Assets.orderScript
        router.get("assets/order.js") { _, _ in
            Response(
                status: script.isEmpty ? .notFound : .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: script)))
        }
    }
}

/// The files under `Templates/assets`.
enum Assets {
    static var orderScript: String {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Templates/assets/order.js"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }
}
