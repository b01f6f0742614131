/*
 * Steward — Google Analytics loader with Consent Mode.
 *
 * Only ever loaded after the visitor allowed analytics: by the layout (script tag with data-measurement-id) or
 * by consent.js right after the choice (id from <meta name="steward-ga">). Everything defaults to denied; only
 * analytics storage is then granted. Advertising storage, ad user data and personalisation stay denied.
 */
(function () {
    "use strict";

    var script = document.currentScript;
    var id = script ? script.getAttribute("data-measurement-id") : null;
    if (!id) {
        var meta = document.querySelector('meta[name="steward-ga"]');
        id = meta ? meta.getAttribute("content") : null;
    }
    // A measurement id looks like G-XXXXXXXXXX; anything else is a configuration mistake, not something to load.
    if (!id || !/^G-[A-Z0-9]+$/i.test(id) || window.stewardAnalyticsLoaded) {
        return;
    }
    window.stewardAnalyticsLoaded = true;

    window.dataLayer = window.dataLayer || [];
    function gtag() {
        // gtag.js expects the arguments object itself, not an array.
        window.dataLayer.push(arguments);
    }
    window.gtag = gtag;

    gtag("consent", "default", {
        ad_storage: "denied",
        ad_user_data: "denied",
        ad_personalization: "denied",
        analytics_storage: "denied"
    });
    gtag("consent", "update", { analytics_storage: "granted" });
    gtag("js", new Date());
    gtag("config", id, { anonymize_ip: true });

    var tag = document.createElement("script");
    tag.async = true;
    tag.src = "https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(id);
    document.head.appendChild(tag);
})();
