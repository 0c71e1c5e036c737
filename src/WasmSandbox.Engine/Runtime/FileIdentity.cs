namespace WasmSandbox;

/// <summary>
/// Which file an open handle is on and the state of its content, as the kernel reports it (<see cref="UnixFile.IdentityOf"/>).
/// Any write to the content changes the status-change time (and normally the modification time and size); setting
/// the modification time back changes the status-change time too, which no unprivileged call can set; a rename or
/// copy of another file over the path, or a symbolic link pointed elsewhere, changes the inode.
/// </summary>
/// <param name="Device">The device number (major in the high 32 bits, minor in the low).</param>
/// <param name="Inode">The inode number on that device.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="ModifiedNs">The last modification of the content, in nanoseconds since the Unix epoch.</param>
/// <param name="ChangedNs">The last change of the content or of the inode's status (ctime), in nanoseconds since the Unix epoch.</param>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModifiedNs, long ChangedNs);
