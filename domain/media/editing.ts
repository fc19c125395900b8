/**
 * Software names that mean a person re-worked the picture or clip (not merely the camera firmware).
 * Camera Raw / Lightroom conversions count: the pixels went through an editor.
 */
const EDITOR_PATTERN = new RegExp(
  [
    'photoshop', 'lightroom', 'camera raw', 'gimp', 'snapseed', 'affinity', 'pixelmator', 'picsart', 'facetune',
    'vsco', 'canva', 'paint\\.net', 'luminar', 'capture one', 'darktable', 'rawtherapee', 'acdsee', 'photoscape',
    'fotor', 'meitu', 'airbrush', 'photodirector', 'polarr', 'inshot', 'capcut', 'imovie', 'final cut',
    'premiere', 'davinci', 'kinemaster', 'powerdirector', 'vn video', 'splice', 'adobe',
  ].join('|'),
  'i',
);

export const namesAnEditor = (software: string | null | undefined): boolean => !!software && EDITOR_PATTERN.test(software);
