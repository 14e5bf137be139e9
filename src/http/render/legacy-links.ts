import type { UpstreamImage } from '../../uploads/types.js';

/** The links the v1/v2 APIs gave next to the image, derived the way Imgur derives them from the direct link. */
export interface LegacyLinks {
  original: string;
  imgurPage: string;
  deletePage: string;
  /** 90×90 square: the id plus `s`. */
  smallSquare: string;
  /** 640 px thumbnail: the id plus `l`. */
  largeThumbnail: string;
}

/**
 * `https://i.imgur.com/ID.png` → thumbnails `…/IDs.png`, `…/IDl.png`, page `https://imgur.com/ID`,
 * delete page `https://imgur.com/delete/HASH`. The host comes from the link itself, so an upstream
 * other than Imgur (the simulator) yields links to itself.
 */
export function legacyLinks(image: UpstreamImage): LegacyLinks {
  const deletehash = image.deletehash ?? '';
  if (!URL.canParse(image.link)) {
    return { original: image.link, imgurPage: image.link, deletePage: '', smallSquare: image.link, largeThumbnail: image.link };
  }
  const link = new URL(image.link);
  const slash = link.pathname.lastIndexOf('/');
  const file = link.pathname.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [file.slice(0, dot), file.slice(dot)] : [file, ''];
  const thumbnail = (suffix: string) => new URL(`${link.pathname.slice(0, slash + 1)}${stem}${suffix}${extension}`, link).href;
  // Pages live on the site host: i.imgur.com serves the files, imgur.com the pages.
  const site = new URL(link.origin);
  if (site.hostname.startsWith('i.')) site.hostname = site.hostname.slice(2);
  return {
    original: link.href,
    imgurPage: new URL(`/${image.id}`, site).href,
    deletePage: new URL(`/delete/${deletehash}`, site).href,
    smallSquare: thumbnail('s'),
    largeThumbnail: thumbnail('l'),
  };
}
