/**
 * How the widget writes where in a document a source is, from the server's citation
 * ("page 4", "1:23", "1:02:03"), in each of its languages.
 */
import { describe, expect, it } from "vitest";
import { citeText } from "../widget/app/i18n";
import ar from "../widget/app/locales/ar";
import en from "../widget/app/locales/en";
import fr from "../widget/app/locales/fr";

describe("a source's place", () => {
  it("is a page or a moment in the widget's language, and anything else as it came", () => {
    expect([citeText("page 4", en), citeText("1:23", en), citeText("1:02:03", en)]).toEqual(["p. 4", "at 1:23", "at 1:02:03"]);
    expect([citeText("page 12", fr), citeText("0:07", fr)]).toEqual(["p. 12", "à 0:07"]);
    expect([citeText("page 4", ar), citeText("1:23", ar)]).toEqual(["ص. 4", "عند 1:23"]);
    expect(citeText("Installation", en)).toBe("Installation");
    expect(citeText("page 4 of 9", en)).toBe("page 4 of 9");
  });
});
