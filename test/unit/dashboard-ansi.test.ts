/** The dashboard shows script output with its ANSI colours as HTML: colours become classes, and the text is always escaped. */
import { describe, expect, it } from "vitest";
import { ansiToHtml } from "../../web/src/ansi.js";

describe("script output with ANSI colours, as the dashboard shows it", () => {
  it("turns SGR colours and bold into spans with classes, and a reset ends them", () => {
    expect(ansiToHtml("\x1b[31mred\x1b[0m plain")).toBe('<span class="ansi-fg-1">red</span> plain');
    expect(ansiToHtml("\x1b[1;32mok\x1b[22m still green\x1b[39m")).toBe('<span class="ansi-fg-2 ansi-bold">ok</span><span class="ansi-fg-2"> still green</span>');
    expect(ansiToHtml("\x1b[94mbright\x1b[m")).toBe('<span class="ansi-fg-12">bright</span>');
    expect(ansiToHtml("\x1b[38;5;3myellow\x1b[38;2;1;2;3m true colour")).toBe('<span class="ansi-fg-3">yellow</span><span class="ansi-fg-3"> true colour</span>');
  });

  it("escapes markup in the text, inside colours too: output can never become HTML", () => {
    expect(ansiToHtml(`<script>alert("x")</script> & 'q'`)).toBe("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;");
    expect(ansiToHtml("\x1b[31m<img src=x onerror=alert(1)>")).toBe('<span class="ansi-fg-1">&#60;img src=x onerror=alert(1)&#62;</span>');
  });

  it("drops other escape sequences (cursor moves, window titles) and keeps the text around them", () => {
    expect(ansiToHtml("a\x1b[2Kb\x1b]0;title\x07c\x1b[1Ad")).toBe("abcd");
  });
});
