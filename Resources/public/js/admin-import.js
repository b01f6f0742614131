/*
 * Steward — choose a CSV file on a list's import form in the staff console.
 *
 * The file input (#csv-file) has no name and is never posted: this script reads the chosen file as text into
 * the form's csv textarea, which is what the server receives, and says how many rows it holds. The file field
 * is hidden in the page and shown here, so that without JavaScript staff only see the textarea to paste into.
 */
(function () {
    "use strict";

    var input = document.getElementById("csv-file");
    if (!input || typeof window.FileReader !== "function") {
        return;
    }
    var area = input.form ? input.form.querySelector("textarea[name=csv]") : null;
    var status = document.getElementById("csv-file-status");
    var field = document.getElementById("csv-file-field");
    if (!area) {
        return;
    }
    if (field) {
        field.hidden = false;
    }

    /** Data rows: records outside quotes, without the header line and blank lines. */
    function countRows(text) {
        var records = 0;
        var quoted = false;
        var content = false;
        for (var i = 0; i < text.length; i += 1) {
            var c = text.charAt(i);
            if (c === '"') {
                quoted = !quoted;
                content = true;
            } else if ((c === "\n" || c === "\r") && !quoted) {
                if (content) {
                    records += 1;
                }
                content = false;
            } else if (c !== " " && c !== "\t") {
                content = true;
            }
        }
        if (content) {
            records += 1;
        }
        return Math.max(0, records - 1);
    }

    function say(message) {
        if (status) {
            status.textContent = message;
        }
    }

    input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file) {
            return;
        }
        var reader = new FileReader();
        reader.onload = function () {
            var text = String(reader.result || "");
            area.value = text;
            var rows = countRows(text);
            say(rows + (rows === 1 ? " row loaded" : " rows loaded"));
        };
        reader.onerror = function () {
            say("The file could not be read. Paste its contents below instead.");
        };
        say("Reading…");
        reader.readAsText(file);
    });
})();
