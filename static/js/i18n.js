// Translations for the page's modules, imported by name. They come from Django's
// JavaScript catalogue, which a page that needs them loads as a classic script
// ({% url 'javascript-catalog' %}) before its modules (modules run after the
// document is parsed, so the catalogue is there by then). Without it, English.

const catalogue = globalThis.django || {};

export const gettext = catalogue.gettext || ((text) => text);

export const ngettext = catalogue.ngettext || ((singular, plural, count) => (count === 1 ? singular : plural));

// interpolate("%(done)s of %(total)s", {done, total}, true), as Django's.
export const interpolate = catalogue.interpolate || ((text, values, named) => (named
  ? text.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]))
  : text.replace(/%s/g, () => String(values.shift()))));

// Numbers as the server writes them (1,000 in English, 1.000 in Spanish): grouped
// from 1,000 on, where Spanish's own rule would leave four digits ungrouped.
export function formatNumber(value) {
  const language = document.documentElement.lang || undefined;
  return new Intl.NumberFormat(language, { useGrouping: "always" }).format(Number(value));
}

// A figure with `places` decimals in the page's language ("5.3" / "5,3").
export function formatDecimal(value, places = 1) {
  const language = document.documentElement.lang || undefined;
  return new Intl.NumberFormat(language, {
    minimumFractionDigits: places, maximumFractionDigits: places, useGrouping: "always",
  }).format(Number(value));
}
