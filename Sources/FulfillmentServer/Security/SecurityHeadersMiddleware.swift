import HTTPTypes
import Hummingbird

/// Security headers on every page and answer of the router: a Content-Security-Policy that allows no inline
/// script (the one script, the order page's poller, is served from `/assets`), no framing, no MIME sniffing,
/// no referrer beyond the origin, and `Cache-Control: no-store` unless the answer says otherwise (only the
/// static assets do): answers about a purchase, an order or the console must not sit in a shared cache or the
/// browser's history cache. Styles stay inline (one small block in the page head). No `form-action`:
/// browsers apply it to the redirect after a form, and the store's forms redirect to Stripe's payment pages.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "strict-origin-when-cross-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
